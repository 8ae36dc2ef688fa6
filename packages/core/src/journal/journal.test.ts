import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compiledEntry } from '../compile/cache.ts';
import { createRedactor } from '../log/redact.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { JournalWriter, readJournal } from './journal.ts';
import { foldDeployment } from './state.ts';

const APPENDER = fileURLToPath(new URL('./fixtures/append-forever.ts', import.meta.url));

test('appends numbered events and folds them into the deployment state', async (t) => {
  const path = join(await tempDir(t), 'd1.jsonl');
  const writer = await JournalWriter.open(path);
  await writer.append('deployment.started', { env: 'staging', release: 'v2' });
  await writer.append('step.started', { step: 'canary', index: 3 });
  await writer.append('deployment.paused', { reason: 'manual gate' });
  const { entries, tornTail } = await readJournal(path);
  assert.equal(tornTail, false);
  assert.deepEqual(
    entries.map((e) => [e.seq, e.event]),
    [
      [0, 'deployment.started'],
      [1, 'step.started'],
      [2, 'deployment.paused'],
    ],
  );
  const state = foldDeployment('d1', entries);
  assert.equal(state.status, 'paused');
  assert.equal(state.env, 'staging');
  assert.deepEqual(state.step, { name: 'canary', index: 3, completed: false });
});

test('a torn last line is ignored by the reader and cut off before the next append', async (t) => {
  const path = join(await tempDir(t), 'd2.jsonl');
  const writer = await JournalWriter.open(path);
  await writer.append('deployment.started', { env: 'staging' });
  await appendFile(path, '{"seq":1,"ts":"2026-');
  const read = await readJournal(path);
  assert.equal(read.entries.length, 1);
  assert.equal(read.tornTail, true);
  const reopened = await JournalWriter.open(path);
  await reopened.append('step.started', { step: 'backup' });
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).seq),
    [0, 1],
  );
});

test('a damaged line in the middle is reported with its line number, not silently skipped', async (t) => {
  const path = join(await tempDir(t), 'd3.jsonl');
  await writeFile(path, '{"seq":0,"ts":"x","event":"a"}\nnot json\n{"seq":2,"ts":"x","event":"b"}\n');
  await assert.rejects(readJournal(path), /d3\.jsonl:2: journal line is not valid JSON/);
});

test('secrets are masked before they reach the journal', async (t) => {
  const path = join(await tempDir(t), 'd4.jsonl');
  const writer = await JournalWriter.open(path, createRedactor(['hunter2-secret']));
  await writer.append('notify.sent', { url: 'https://hooks.example/hunter2-secret', token: 'abc123' });
  const text = await readFile(path, 'utf8');
  assert.ok(!text.includes('hunter2-secret') && !text.includes('abc123'), text);
  assert.match(text, /\[REDACTED\]/);
});

test('SIGKILL at random moments never loses an acknowledged event (30 kills)', async (t) => {
  const path = join(await tempDir(t), 'killed.jsonl');
  // Compiled once, not transpiled by tsx at each of the 30 starts.
  const appender = await compiledEntry(APPENDER, 'test-journal-appender');
  let acknowledged = -1;
  for (let round = 0; round < 30; round++) {
    const child = spawn(process.execPath, [appender, path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    // Wait for the writer to start (the first ack), then kill at a random moment.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const acks = out.split('\n').filter(Boolean).map(Number);
    if (acks.length) acknowledged = Math.max(acknowledged, acks.at(-1)!);
    const { entries } = await readJournal(path);
    assert.deepEqual(
      entries.map((e) => e.seq),
      [...entries.keys()],
      `round ${round}: every complete event, in order, no gaps`,
    );
    assert.ok(
      entries.length - 1 >= acknowledged,
      `round ${round}: journal has ${entries.length} events, ${acknowledged + 1} were acknowledged`,
    );
  }
  assert.ok(acknowledged > 30, `the writer made progress across kills (${acknowledged + 1} events)`);
});
