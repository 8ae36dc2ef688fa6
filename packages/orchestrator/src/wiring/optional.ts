// biome-ignore lint/suspicious/noExplicitAny: a package that may be absent has no static types to offer.
type Any = any;

/** Imports a sibling package that may not have landed in this checkout yet; absent, it yields `{}` (its callers say what is missing). */
export async function optionalPackage(name: '@pilot/router' | '@pilot/analysis' | '@pilot/backup' | '@pilot/migrate'): Promise<Record<string, Any>> {
  const specifier: string = name;
  try {
    return (await import(specifier)) as Record<string, Any>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return {};
    throw error;
  }
}
