/** Imports a sibling package that may not have landed in this checkout yet; absent, it yields `{}` (its callers say what is missing). */
export async function optionalPackage(name: '@pilot/router' | '@pilot/analysis' | '@pilot/backup' | '@pilot/migrate'): Promise<Record<string, any>> {
  const specifier: string = name;
  try {
    return (await import(specifier)) as Record<string, any>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return {};
    throw error;
  }
}
