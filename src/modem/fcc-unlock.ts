// Which modems get which FCC unlock. ModemManager ships its list as
// dispatcher scripts (PROTOCOL.md 6.2); the Sierra procedure is QMI DMS Set
// FCC Authentication (0x555F), sent over QMI-over-MBIM on MBIM ports. The
// Dell DW5811e ids and the MC74xx id are not in ModemManager's list; the
// seed's EM7455/DW5811e needed exactly this message (UNVERIFIED that every
// firmware of these ids accepts it: at worst it answers an error and lted
// reports fcc-lock with that reason).

export type FccProcedure = 'dms-set-fcc-authentication'

const TABLE: Readonly<Record<string, FccProcedure>> = {
  '1199:9079': 'dms-set-fcc-authentication', // Sierra EM7455 (Lenovo-shipped), the seed's card
  '1199:9071': 'dms-set-fcc-authentication', // Sierra MC74xx
  '413c:81b6': 'dms-set-fcc-authentication', // Dell DW5811e (EM7455)
  '413c:81c2': 'dms-set-fcc-authentication', // Dell DW5811e (EM7455), other SKU
  '03f0:4e1d': 'dms-set-fcc-authentication', // HP lt4120 / EM7355 (ModemManager 1199 script)
  '413c:81a3': 'dms-set-fcc-authentication', // Dell DW5570 (MC8805)
  '413c:81a8': 'dms-set-fcc-authentication', // Dell DW5808 (MC7355)
}

/** The same modules by the model name DEVICE_CAPS reports, for a control
 *  port with no USB identity (a pty: the simulator, a serial bridge). */
const MODELS: Readonly<Record<string, FccProcedure>> = {
  'EM7455': 'dms-set-fcc-authentication',
  'MC7455': 'dms-set-fcc-authentication',
  'EM7355': 'dms-set-fcc-authentication',
  'MC7355': 'dms-set-fcc-authentication',
  'MC8805': 'dms-set-fcc-authentication',
}

export function fccProcedure(vidpid: string | undefined, model?: string): FccProcedure | undefined {
  if (vidpid !== undefined) return TABLE[vidpid.toLowerCase()]
  return model === undefined ? undefined : MODELS[model.trim().toUpperCase()]
}
