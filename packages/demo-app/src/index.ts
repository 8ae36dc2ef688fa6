export { createDemoApp, type DemoApp } from './app.ts';
export { readOptions, type DemoOptions } from './options.ts';
