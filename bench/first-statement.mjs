// Preloaded (`node --import`) by bench/startup.ts into the connected commands: issue 13 counts
// their start-up "up to the first statement sent". This notes the process's CPU time (all
// threads, like the kernel's account of a whole child) and its age when the first SQL batch or
// RPC (TDS packet types 0x01 and 0x03, MS-TDS 2.2.3.1.1) leaves for a server, or the first
// HTTPS request (an ARM call), whichever comes first. Pre-login and login packets do not count:
// connecting is part of the start-up being measured.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

const out = process.env.AGMEDIC_FIRST_STATEMENT;
if (out) {
  let done = false;
  const mark = (what) => {
    if (done) return;
    done = true;
    const cpu = process.cpuUsage();
    writeFileSync(out, JSON.stringify({ what, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: process.uptime() * 1000 }));
  };
  const write = net.Socket.prototype.write;
  net.Socket.prototype.write = function (chunk, ...rest) {
    if (!done && chunk instanceof Uint8Array && chunk.length >= 8 && (chunk[0] === 0x01 || chunk[0] === 0x03)) mark('sql');
    return write.call(this, chunk, ...rest);
  };
  for (const mod of [http, https]) {
    const request = mod.request;
    mod.request = function (...args) {
      mark('http');
      return request.apply(this, args);
    };
  }
}
