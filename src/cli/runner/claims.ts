// Which [[modem]] holds which device, so several tables with device = "auto"
// never open the same modem (config crossCheck makes each of them bound by
// usb-path or imei; an imei-bound one has to open a device to learn its
// IMEI, and must not do it under another modem's feet). One instance per
// daemon, made in run.ts; runners poll on one event loop, so a plain map is
// enough.

export class DeviceClaims {
  readonly #owners = new Map<string, string>()

  /** The modem holding `key` (deviceKey()), if any. */
  owner(key: string): string | undefined {
    return this.#owners.get(key)
  }

  /** `owner` now holds `key` (and nothing else). */
  claim(key: string, owner: string): void {
    this.release(owner)
    this.#owners.set(key, owner)
  }

  release(owner: string): void {
    for (const [k, o] of this.#owners) if (o === owner) this.#owners.delete(k)
  }
}
