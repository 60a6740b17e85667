// A wedged modem in QMI mode (issues 7 and 9): test/support/wedged-case.ts on
// the QMI composition (lted sim --protocol qmi --sysfs, qmi_wwan bound).

import '../../support/namespace.ts'
import t from 'tap'
import { wedgedCase } from '../../support/wedged-case.ts'

t.test('QMI mode: a modem that answers nothing is reset through USB and comes back to connected', (t) => wedgedCase(t, 'qmi'))
