import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './ports.js';
import { TANGO_TEST, pythonWithTango } from './tango.js';

/*
 * A real Tango database for tests: Debian's DataBaseds (package tango-db) on a private MariaDB
 * server (package mariadb-server), each on free loopback ports, with the data directory, socket
 * and logs in a temporary directory that stop() removes. Nothing touches the system's own
 * MariaDB (/run/mysqld), its configuration files (--no-defaults) or Tango's port 10000.
 */

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
const MARIADB = '/usr/bin/mariadb';
export const DATABASEDS = '/usr/lib/tango/DataBaseds';
/** The schema, stored procedures and default rows that dbconfig-common loads for tango-db. */
const TANGO_SCHEMA = '/usr/share/dbconfig-common/data/tango-db/install/mysql';

const REQUIRED: Array<[string, string]> = [
  [MARIADBD, 'mariadb-server'],
  [INSTALL_DB, 'mariadb-server'],
  [MARIADB, 'mariadb-client'],
  [DATABASEDS, 'tango-db'],
  [TANGO_SCHEMA, 'tango-db'],
  [TANGO_TEST, 'tango-test'],
];

/** A TangoTest device server registered in the database and running. */
export interface DatabaseTangoTest {
  instance: string;
  devices: string[];
  process: ChildProcess;
  output(): string;
  /** Kills it; resolves once it has exited. Its devices stay exported in the database. */
  stop(): Promise<void>;
}

export interface TangoDatabase {
  /** 127.0.0.1:PORT of DataBaseds, for tango_host or TANGO_HOST. */
  tangoHost: string;
  /** The MariaDB port, for diagnosis. */
  mysqlPort: number;
  dir: string;
  /**
   * Registers the devices as class TangoTest of server TangoTest/INSTANCE and starts
   * `TangoTest INSTANCE` against this database, resolving once it is ready (and exported).
   */
  registerTangoTest(instance: string, devices: string[]): Promise<DatabaseTangoTest>;
  /** Kills DataBaseds (MariaDB and the device servers go on): the database is down. */
  stopDatabaseServer(): Promise<void>;
  /** Starts DataBaseds again on the same port, resolving once it is ready. */
  startDatabaseServer(): Promise<void>;
  /** Every exported device name, as `Database.get_device_exported("*")` lists them. */
  exported(): Promise<string[]>;
  /** Kills every process it started and removes its directory. */
  stop(): Promise<void>;
}

const live = new Set<TangoDatabase>();

/**
 * Starts MariaDB and DataBaseds on free ports (trying again with other ports if one is taken
 * before it is bound). The tango schema is loaded as tango-db's dbconfig-common script loads
 * it, so the database already defines sys/database/2 (class DataBase), sys/tg_test/1 (server
 * TangoTest/test) and a few others that are not running.
 */
export async function startTangoDatabase(): Promise<TangoDatabase> {
  const missing = REQUIRED.filter(([path]) => !existsSync(path));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(
      `a Tango database needs ${missing.map(([p]) => p).join(', ')}: ` +
        `apt-get install -y ${packages} (preseed "tango-db tango-db/dbconfig-install boolean ` +
        `false" with debconf-set-selections first)`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch();
    } catch (err) {
      if (
        attempt === 3 ||
        !/Address already in use|Bind on TCP\/IP port|Failed to bind/i.test(String(err))
      )
        throw err;
    }
  }
}

/** Stops every database a test file started; for afterAll. */
export async function stopAllTangoDatabases(): Promise<void> {
  await Promise.all([...live].map((db) => db.stop()));
}

async function launch(): Promise<TangoDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-tango-db-'));
  const socket = join(dir, 'mysqld.sock');
  const [mysqlPort, tangoPort] = await freePorts(2);
  const tangoHost = `127.0.0.1:${tangoPort}`;
  const children = new Set<Child>();
  let stopped = false;
  let databaseds: Child | undefined;

  const startDatabaseds = async () => {
    if (databaseds) throw new Error('DataBaseds is already running');
    const child = start(
      DATABASEDS,
      ['2', '-ORBendPoint', `giop:tcp:127.0.0.1:${tangoPort}`],
      {
        MYSQL_USER: 'tango',
        MYSQL_PASSWORD: 'tango',
        MYSQL_HOST: `127.0.0.1:${mysqlPort}`,
        MYSQL_DATABASE: 'tango',
        TANGO_HOST: tangoHost,
        HOME: dir, // no ~/.my.cnf
      },
      dir,
    );
    children.add(child);
    databaseds = child;
    await child.ready(/Ready to accept request/, 15_000, 'DataBaseds');
  };
  const stopDatabaseds = async () => {
    const child = databaseds;
    databaseds = undefined;
    if (!child) return;
    children.delete(child);
    await child.kill();
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    live.delete(db);
    // SIGKILL: the data directory is thrown away, so nothing needs a clean shutdown.
    await Promise.all([...children].map((c) => c.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  const db: TangoDatabase = {
    tangoHost,
    mysqlPort,
    dir,
    registerTangoTest: async (instance, devices) => {
      await python(
        `
import sys, tango
db = tango.Database(sys.argv[1], int(sys.argv[2]))
for name in sys.argv[4:]:
    info = tango.DbDevInfo()
    info._class = "TangoTest"
    info.server = "TangoTest/" + sys.argv[3]
    info.name = name
    db.add_device(info)
`,
        ['127.0.0.1', String(tangoPort), instance, ...devices],
      );
      // Port 0 on loopback: omniORB takes a free port itself and registers it in the database.
      const child = start(
        TANGO_TEST,
        [instance, '-ORBendPoint', 'giop:tcp:127.0.0.1:'],
        { TANGO_HOST: tangoHost },
        dir,
      );
      children.add(child);
      await child.ready(/Ready to accept request/, 15_000, `TangoTest ${instance}`);
      return {
        instance,
        devices,
        process: child.process,
        output: () => child.output,
        stop: async () => {
          children.delete(child);
          await child.kill();
        },
      };
    },
    stopDatabaseServer: stopDatabaseds,
    startDatabaseServer: startDatabaseds,
    exported: async () =>
      JSON.parse(
        await python(
          `
import json, sys, tango
db = tango.Database(sys.argv[1], int(sys.argv[2]))
print(json.dumps(list(db.get_device_exported("*").value_string)))
`,
          ['127.0.0.1', String(tangoPort)],
        ),
      ) as string[],
    stop,
  };
  live.add(db);

  try {
    await run(INSTALL_DB, [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...asRoot(),
    ]);
    const mariadb = start(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        `--socket=${socket}`,
        `--port=${mysqlPort}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=16M',
        '--skip-name-resolve',
        ...asRoot(),
      ],
      {},
      dir,
    );
    children.add(mariadb);
    await mariadb.ready(/ready for connections/, 15_000, 'mariadbd');
    // The stored procedures name the database `tango`, so that is its name.
    await run(MARIADB, [
      '--no-defaults',
      `--socket=${socket}`,
      '-uroot',
      '-e',
      'CREATE DATABASE tango',
    ]);
    await run(
      MARIADB,
      ['--no-defaults', `--socket=${socket}`, '-uroot', 'tango'],
      openSync(TANGO_SCHEMA, 'r'),
    );
    await run(MARIADB, [
      '--no-defaults',
      `--socket=${socket}`,
      '-uroot',
      '-e',
      // DataBaseds connects over TCP (MYSQL_HOST=HOST:PORT; it ignores MYSQL_UNIX_PORT), as
      // an account of its own, as tango-db sets it up.
      "CREATE USER 'tango'@'127.0.0.1' IDENTIFIED BY 'tango'; " +
        "GRANT ALL ON tango.* TO 'tango'@'127.0.0.1'",
    ]);
    await startDatabaseds();
    return db;
  } catch (err) {
    await stop();
    throw err;
  }
}

function asRoot(): string[] {
  // mariadbd refuses to run as root unless told to.
  return process.getuid?.() === 0 ? ['--user=root'] : [];
}

interface Child {
  process: ChildProcess;
  output: string;
  ready(pattern: RegExp, timeoutMs: number, what: string): Promise<void>;
  kill(): Promise<void>;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: Child = {
    process: child,
    output: '',
    ready: (pattern, timeoutMs, what) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${what} did not get ready within ${timeoutMs} ms:\n${handle.output}`));
        }, timeoutMs);
        const check = () => {
          if (pattern.test(handle.output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        check();
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(
            new Error(`${what} exited (${code ?? signal}) before it was ready:\n${handle.output}`),
          );
        });
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(new Error(`cannot start ${command}: ${err}`));
        });
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  const collect = (chunk: Buffer) => (handle.output += chunk.toString('utf8'));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return handle;
}

/** Runs a command to its end; rejects with its output unless it exits 0. */
function run(command: string, args: string[], stdinFd?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: [stdinFd ?? 'ignore', 'pipe', 'pipe'],
    });
    if (stdinFd !== undefined) closeSync(stdinFd); // the child has its own copy
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', (err) => reject(new Error(`cannot run ${command}: ${err}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}):\n${output}`));
    });
  });
}

function python(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      pythonWithTango(),
      ['-c', script, ...args],
      { timeout: 15_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
