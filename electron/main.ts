// Stateline's desktop shell (Electron main process): one window showing the renderer
// (dist/renderer, built by scripts/start.mjs), the analysis in a worker thread, menus,
// open dialog, drag and drop (in the renderer, through the preload), a path on the
// command line, recent files, "Load TLS key log…", "Open in Wireshark at this frame"
// (electron/wireshark.ts).
//
// Security (DESIGN.md): contextIsolation, sandbox, no nodeIntegration, the CSP of
// renderer/index.html, the renderer served through app://stateline/ (electron/
// app-protocol.ts) instead of file://, no remote content (every request of another
// scheme is cancelled), no new windows or navigation, no permissions, IPC handlers that
// check the sender and validate arguments (electron/ipc.ts), the analysis in a worker
// with a heap limit that is restarted when it dies (electron/worker-host.ts), and the
// fuses of package.json's build.electronFuses (no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or
// --inspect; the app only from its checked asar).

import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type MenuItemConstructorOptions } from 'electron';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiMethod } from '../analysis/api';
import { APP_PRIVILEGES, APP_SCHEME, appResponse, RENDERER_URL } from './app-protocol';
import { CHANNEL_CALL, CHANNEL_METHODS, createCallHandler, createMethodsHandler, pathsFromArgv } from './ipc';
import { AnalysisWorker } from './worker-host';
import { CHANNEL_WIRESHARK, createWiresharkHandler, findWireshark } from './wireshark';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const rendererDir = join(root, 'dist', 'renderer');
const indexHtml = join(rendererDir, 'index.html');
const rendererUrl = RENDERER_URL;
// Before the app is ready: app:// is a standard, secure scheme (an origin of its own).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_PRIVILEGES }]);
const samplePath = [join(process.resourcesPath ?? '', 'sample.pcapng'), join(root, 'fixtures', 'sample.pcapng')].find((p) => existsSync(p)) ?? null;
const CAPTURE_FILTERS = [
  { name: 'Packet captures', extensions: ['pcap', 'pcapng', 'cap', 'gz'] },
  { name: 'All files', extensions: ['*'] },
];

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

// ---------------------------------------------------------------- recent files

const recentFile = (): string => join(app.getPath('userData'), 'recent.json');
function loadRecent(): string[] {
  try {
    const v = JSON.parse(readFileSync(recentFile(), 'utf8'));
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 10) : [];
  } catch {
    return [];
  }
}
let recent: string[] = [];
function saveRecent(list: string[]): void {
  recent = list;
  try {
    mkdirSync(dirname(recentFile()), { recursive: true });
    writeFileSync(recentFile(), JSON.stringify(list));
  } catch {
    /* recent files are a convenience */
  }
  if (list[0]) app.addRecentDocument(list[0]);
  buildMenu();
}

// ---------------------------------------------------------------- app

let win: BrowserWindow | null = null;
let worker: AnalysisWorker | null = null;
let currentPath: string | null = null;
/** The other files of the open capture set (several files chosen at once), if any. */
let currentMore: string[] = [];

function call(method: ApiMethod, args: unknown): Promise<unknown> {
  if (!worker) return Promise.reject(new Error('the analysis worker is not running'));
  return worker.call(method, args);
}

function openPath(path: string, keylogPath: string | null = null, more: string[] = []): void {
  currentPath = path;
  currentMore = more;
  call('openPath', { path, ...(more.length ? { paths: more } : {}), keylogPath }).catch((e: Error) => dialog.showErrorBox('Stateline', e.message));
}

async function chooseAndOpen(): Promise<void> {
  const r = await dialog.showOpenDialog(win!, { title: 'Open a packet capture', properties: ['openFile', 'multiSelections'], filters: CAPTURE_FILTERS });
  // Several files chosen at once are read as one capture set, merged by timestamp.
  if (!r.canceled && r.filePaths[0]) openPath(r.filePaths[0], null, r.filePaths.slice(1));
}

async function chooseKeylog(): Promise<void> {
  if (!currentPath) {
    await dialog.showMessageBox(win!, { type: 'info', message: 'Open a capture first; the key log is applied to it (keys embedded in a pcapng are used automatically).' });
    return;
  }
  const r = await dialog.showOpenDialog(win!, { title: 'Load TLS key log (SSLKEYLOGFILE format)', properties: ['openFile'], filters: [{ name: 'Key logs', extensions: ['log', 'txt', 'keylog'] }, { name: 'All files', extensions: ['*'] }] });
  if (!r.canceled && r.filePaths[0]) openPath(currentPath, r.filePaths[0], currentMore);
}

function buildMenu(): void {
  const mac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => void chooseAndOpen() },
        { label: 'Open Recent', submenu: recent.length ? recent.map((p) => ({ label: p, click: () => openPath(p) })) : [{ label: 'No recent files', enabled: false }] },
        { label: 'Open Sample Capture', enabled: samplePath !== null, click: () => samplePath && openPath(samplePath) },
        { type: 'separator' },
        { label: 'Load TLS Key Log…', click: () => void chooseKeylog() },
        { type: 'separator' },
        { label: 'Cancel Reading', accelerator: 'Escape', registerAccelerator: false, click: () => void call('cancel', {}) },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: [{ role: 'reload' }, ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]), { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function lockDown(): void {
  // No remote content: only the renderer's app:// files (and the blob:/data: URLs exports make).
  protocol.handle(APP_SCHEME, (req) => appResponse(req.url, rendererDir));
  session.defaultSession.webRequest.onBeforeRequest((d, cb) => cb({ cancel: !/^(app|blob|data|devtools):/.test(d.url) }));
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, wc) => {
    wc.setWindowOpenHandler(({ url }) => {
      if (/^https:\/\//.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    wc.on('will-navigate', (e, url) => url !== rendererUrl && e.preventDefault());
    wc.on('will-attach-webview', (e) => e.preventDefault());
  });
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    title: 'Stateline',
    show: false,
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  void win.loadURL(rendererUrl);
}

const gotLock = app.requestSingleInstanceLock();
if (!gotLock) app.quit();
else {
  app.on('second-instance', (_e, argv) => {
    const [p] = pathsFromArgv(argv, isFile);
    if (p) openPath(p);
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  // macOS: files opened through the OS file associations.
  app.on('open-file', (e, p) => {
    e.preventDefault();
    if (worker) openPath(p);
    else pendingOpen = p;
  });
  let pendingOpen: string | null = null;

  void app.whenReady().then(() => {
    if (!existsSync(indexHtml)) {
      dialog.showErrorBox('Stateline', `The renderer is not built (${indexHtml}). Start the app with npm start, which builds it.`);
      app.quit();
      return;
    }
    recent = loadRecent();
    worker = new AnalysisWorker({ samplePath, recent }, saveRecent, { onCrash: (e) => console.error(`Stateline: ${e.message}`) });
    lockDown();
    ipcMain.handle(CHANNEL_CALL, createCallHandler({
      call,
      rendererUrl,
      onCall: (m, a) => {
        if (m === 'openPath') ({ path: currentPath, paths: currentMore = [] } = a as { path: string; paths?: string[] });
        if (m === 'openSample') currentPath = samplePath;
        if (m === 'close') currentPath = null;
      },
    }));
    ipcMain.handle(CHANNEL_WIRESHARK, createWiresharkHandler({
      rendererUrl,
      currentPath: () => currentPath,
      find: () => findWireshark({ platform: process.platform, env: process.env, exists: isFile }),
      launch: (program, args) => spawn(program, args, { detached: true, stdio: 'ignore', shell: false }).on('error', (e) => dialog.showErrorBox('Stateline', `Could not start Wireshark: ${e.message}`)).unref(),
    }));
    ipcMain.on(CHANNEL_METHODS, createMethodsHandler(rendererUrl));
    buildMenu();
    createWindow();
    const [first] = pathsFromArgv(process.argv, isFile);
    const toOpen = pendingOpen ?? first;
    if (toOpen) openPath(resolve(toOpen));
    app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow());
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => void worker?.terminate());
}
