const UNIT_KIB = { Ki: 1, Mi: 1024, Gi: 1024 * 1024, Ti: 1024 * 1024 * 1024 } as const;

/**
 * A Ki/Mi/Gi/Ti quantity in MiB, the unit @pulumi/docker uses for `memory` and `shmSize`
 * (it multiplies by 1024*1024). Sizes that are not whole MiB are rounded up.
 */
export function quantityToMiB(quantity: string): number {
  const match = /^([0-9]+)(Ki|Mi|Gi|Ti)$/.exec(quantity);
  if (!match) throw new Error(`not a quantity: ${quantity}`);
  const kib = Number(match[1]) * UNIT_KIB[match[2] as keyof typeof UNIT_KIB];
  return Math.ceil(kib / 1024);
}
