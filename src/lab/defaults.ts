/**
 * The lab's public defaults, apart from start-lab.ts: `lab up`'s supervisor process needs the
 * password default but must not load the lab itself (its SQL engine, its certificates).
 */
export const LAB_DEFAULT_PASSWORD = 'agmedic-lab';
