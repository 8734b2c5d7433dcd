/** True when `root`'s node_modules is missing or was installed before its package-lock.json last changed. */
export function needsInstall(root: string): boolean;
