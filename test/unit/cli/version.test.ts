import { readFileSync } from 'node:fs'
import t from 'tap'
import { VERSION } from '../../../src/cli/version.ts'

t.equal(VERSION, JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version, 'version.ts follows package.json')
