import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { UsageError } from '@pilot/core';
import { parseAllDocuments } from 'yaml';

/** One object of the team's manifests, with where it came from (for error messages). */
export interface SourceObject {
  file: string;
  /** 0-based document index in the file. */
  index: number;
  object: Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string } };
}

/** `{version}`, `{env}`, `{digest}`, `{commit}` as they are substituted into manifests and the image. */
export type Substitutions = Record<'version' | 'env' | 'digest' | 'commit', string>;

/** The files the `manifests` setting names: plain paths, or a `*` pattern in the last path segment (`deploy/k8s/*.yaml`). */
export async function manifestFiles(root: string, patterns: string | string[]): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of [patterns].flat()) {
    const full = isAbsolute(pattern) ? pattern : join(root, pattern);
    if (!basename(full).includes('*')) {
      files.push(full);
      continue;
    }
    const wanted = new RegExp(`^${basename(full).split('*').map(escapeRegExp).join('[^/]*')}$`);
    const names = await readdir(dirname(full)).catch(() => [] as string[]);
    const matched = names.filter((name) => wanted.test(name)).sort();
    if (matched.length === 0)
      throw new UsageError(
        `target.manifests ${JSON.stringify(pattern)} matches no file in ${relative(root, dirname(full)) || '.'} — point it at your Kubernetes YAML (e.g. 'deploy/k8s/*.yaml')`,
      );
    files.push(...matched.map((name) => join(dirname(full), name)));
  }
  return files;
}

/** Parses every YAML document of the files; a syntax error is exit 2 naming the file and line. */
export async function readManifests(root: string, files: string[]): Promise<SourceObject[]> {
  const objects: SourceObject[] = [];
  for (const file of files) {
    const shown = relative(root, file);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        `target.manifests: cannot read ${shown} (${error.code ?? error.message}) — fix the path in pilot.config.ts`,
      );
    });
    parseAllDocuments(text).forEach((doc, index) => {
      const error = doc.errors[0];
      if (error)
        throw new UsageError(
          `${shown}: document ${index + 1} is not valid YAML at line ${error.linePos?.[0].line ?? '?'}: ${error.message.split('\n')[0]} — fix the manifest`,
        );
      const object = doc.toJS();
      if (object === null || object === undefined) return;
      if (typeof object !== 'object' || Array.isArray(object))
        throw new UsageError(
          `${shown}: document ${index + 1} is not a Kubernetes object (expected a mapping with apiVersion and kind)`,
        );
      if (
        typeof object.kind !== 'string' ||
        typeof object.apiVersion !== 'string' ||
        typeof object.metadata?.name !== 'string'
      ) {
        throw new UsageError(
          `${shown}: document ${index + 1} lacks ${['apiVersion', 'kind', 'metadata.name'].filter((k) => !(k === 'metadata.name' ? typeof object.metadata?.name === 'string' : typeof object[k] === 'string')).join(', ')} — every object needs apiVersion, kind and metadata.name`,
        );
      }
      objects.push({ file: shown, index, object });
    });
  }
  return objects;
}

/** Replaces `{version}`, `{env}`, `{digest}`, `{commit}` in every string of an object (keys stay as written). */
export function substitute<T>(value: T, vars: Substitutions): T {
  if (typeof value === 'string')
    return value.replace(/\{(version|env|digest|commit)\}/g, (_, name: keyof Substitutions) => vars[name]) as T;
  if (Array.isArray(value)) return value.map((item) => substitute(item, vars)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  return value;
}

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
