// The reducer behind the introspection contract test: it must see every
// member and signature, and ignore only names, comments and layout.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { interfaceMembers } from '../../../src/dbus/introspection.ts'
import { MODEM_PROPERTY_SIGNATURES } from '../../../src/dbus/properties.ts'

const xml = `<node><!-- c --><interface name="a.B">
  <property name="P" type="s" access="read"/>
  <method name="M"><arg name="x" direction="in" type="s"/><arg direction="out" type="b"/></method>
  <method name="N"/>
  <signal name="S"><arg name="o" type="s"/><arg type="u"/></signal>
</interface><interface name="a.C"><method name="Z"/></interface></node>`

t.same(interfaceMembers(xml, 'a.B'), ['method M(in:s,out:b)', 'method N()', 'property P s read', 'signal S(out:s,out:u)'])
t.same(interfaceMembers(xml, 'a.C'), ['method Z()'])
t.equal(interfaceMembers(xml, 'a.D'), undefined, 'absent interface')
t.not(JSON.stringify(interfaceMembers(xml.replace('type="u"', 'type="i"'), 'a.B')), JSON.stringify(interfaceMembers(xml, 'a.B')), 'a changed signature shows')

const modem = interfaceMembers(readFileSync(join(import.meta.dirname, '..', '..', '..', 'src', 'dbus', 'introspection', 'org.lted1.Modem.xml'), 'utf8'), 'org.lted1.Modem') ?? []
for (const [name, sig] of Object.entries(MODEM_PROPERTY_SIGNATURES)) t.ok(modem.includes(`property ${name} ${sig} read`), `the XML documents ${name} ${sig}`)
t.equal(modem.length, Object.keys(MODEM_PROPERTY_SIGNATURES).length + 9, 'and 8 methods and 1 signal')
