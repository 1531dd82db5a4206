// The preload (sandboxed, CommonJS): exposes StatelineApi — and nothing else but the
// path of a dropped file — as window.stateline. The method names come from main (the
// one map in analysis/api.ts); every call goes through one channel, and main checks
// the sender and validates the arguments again.
'use strict';
const { contextBridge, ipcRenderer, webUtils } = require('electron');

const names = ipcRenderer.sendSync('stateline:methods');
const api = {};
for (const name of Array.isArray(names) ? names : []) {
  if (typeof name !== 'string' || !/^[a-zA-Z]{1,40}$/.test(name)) continue;
  api[name] = (args) => {
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
      return Promise.reject(new TypeError(`${name}: the argument must be an object`));
    }
    return ipcRenderer.invoke('stateline:call', name, args === undefined ? {} : args);
  };
}
api.pathForFile = (file) => (file instanceof File ? webUtils.getPathForFile(file) : '');
// "Open in Wireshark at this frame": the frame only; main knows the capture and finds Wireshark.
api.wiresharkAvailable = () => ipcRenderer.invoke('stateline:wireshark', 'available');
api.openInWireshark = (frame) => ipcRenderer.invoke('stateline:wireshark', 'open', frame);
contextBridge.exposeInMainWorld('stateline', Object.freeze(api));
