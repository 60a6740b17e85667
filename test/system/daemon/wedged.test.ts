// A wedged modem end to end (issue 7, acceptance 2): see
// test/support/wedged-case.ts; QMI mode in qmi-wedged.test.ts.

import '../../support/namespace.ts'
import t from 'tap'
import { wedgedCase } from '../../support/wedged-case.ts'

t.test('a modem that answers nothing is reset through USB and comes back to connected', (t) => wedgedCase(t, 'mbim'))
