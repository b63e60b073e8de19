export function buildUi(options?: { quiet?: boolean }): Promise<string>;
