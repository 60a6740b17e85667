import t from 'tap'
t.test('sub', async (t) => { t.equal(1 + 1, 2); t.ok(true) })
t.equal(typeof process.version, 'string')
