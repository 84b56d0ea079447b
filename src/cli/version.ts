// Injected by the bundler from package.json; the fallback serves tests running from src/.
declare const __AGMEDIC_VERSION__: string | undefined;
export const VERSION: string = typeof __AGMEDIC_VERSION__ === 'string' ? __AGMEDIC_VERSION__ : '0.0.0-dev';
