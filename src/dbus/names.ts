// The D-Bus names of lted, in one place (DESIGN.md "Names", STYLE.md S9).

export const BUS_NAME = 'org.lted1'
export const MANAGER_PATH = '/org/lted1'
export const MODEM_PATH_PREFIX = '/org/lted1/Modem/'
export const MANAGER_IFACE = 'org.lted1.Manager'
export const MODEM_IFACE = 'org.lted1.Modem'
export const OBJECT_MANAGER_IFACE = 'org.freedesktop.DBus.ObjectManager'
export const PROPERTIES_IFACE = 'org.freedesktop.DBus.Properties'

export const modemPath = (index: number): string => `${MODEM_PATH_PREFIX}${index}`
