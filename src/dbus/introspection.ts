// Introspection XML reduced to what a contract is made of: one line per
// member with its signatures (argument names, comments and annotations
// dropped: dbus-next does not introspect argument names). Used by the test
// that compares src/dbus/introspection/*.xml with the live objects.

export function interfaceMembers(xml: string, iface: string): string[] | undefined {
  const noComments = xml.replace(/<!--[\s\S]*?-->/g, '')
  const m = new RegExp(`<interface name="${iface.replace(/\./g, '\\.')}">([\\s\\S]*?)</interface>`).exec(noComments)
  if (!m) return undefined
  const body = m[1] ?? ''
  const attr = (tag: string, name: string): string => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1] ?? ''
  const out: string[] = []
  for (const p of body.matchAll(/<property\b[^>]*>/g)) out.push(`property ${attr(p[0], 'name')} ${attr(p[0], 'type')} ${attr(p[0], 'access')}`)
  for (const el of body.matchAll(/<(method|signal)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/g)) {
    const kind = el[1] ?? ''
    const name = attr(el[2] ?? '', 'name')
    const args = [...(el[4] ?? '').matchAll(/<arg\b[^>]*>/g)].map((a) => {
      const dir = attr(a[0], 'direction') || (kind === 'signal' ? 'out' : 'in')
      return `${dir}:${attr(a[0], 'type')}`
    })
    out.push(`${kind} ${name}(${args.join(',')})`)
  }
  return out.sort()
}
