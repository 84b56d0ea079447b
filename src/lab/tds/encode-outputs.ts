import type { BatchOutput, SessionContext } from '../engine-types.js';
import { BufferWriter } from './buffer-writer.js';
import { writeResultSet } from './encode-result-set.js';
import { CurCmd, DoneStatus, EnvChange, Token, writeDone, writeEnvChangeText, writeMessage, writeReturnStatus } from './tokens.js';

export interface EncodeContext {
  /** 'batch' ends statements with DONE; 'rpc' with DONEINPROC, then RETURNSTATUS and DONEPROC. */
  mode: 'batch' | 'rpc';
  serverName: string;
  session: SessionContext;
  /** The session's database before the request ran, for ENVCHANGE's old value. */
  databaseBefore: string;
}

interface PendingDone {
  status: number;
  curCmd: number;
  count: number;
}

/**
 * Encodes an engine's outputs as one response message. A statement's DONE is written only when
 * the next output arrives, because only then is it known whether MORE must be set; mssql builds
 * recordsets and rowsAffected from these DONE/DONEINPROC tokens (tds.md, rule 4).
 */
export function encodeOutputs(outputs: readonly BatchOutput[], ctx: EncodeContext): Buffer {
  const w = new BufferWriter(512);
  const statementEnd = ctx.mode === 'batch' ? Token.DONE : Token.DONEINPROC;
  let pending: PendingDone | undefined;
  let anyError = false;
  let returnStatus: number | undefined;
  let sawDatabase = false;
  const flush = (more: boolean): void => {
    if (!pending) return;
    writeDone(w, statementEnd, pending.status | (more ? DoneStatus.MORE : 0), pending.curCmd, pending.count);
    pending = undefined;
  };
  let previousDatabase = ctx.databaseBefore;
  const changeDatabase = (name: string): void => {
    writeEnvChangeText(w, EnvChange.DATABASE, name, previousDatabase);
    previousDatabase = name;
    ctx.session.database = name;
  };

  for (const out of outputs) {
    flush(true);
    switch (out.kind) {
      case 'resultSet':
        if (out.columns.length > 0) writeResultSet(w, out.columns, out.rows);
        pending = { status: DoneStatus.COUNT, curCmd: CurCmd.SELECT, count: out.rows.length };
        break;
      case 'done':
        pending = out.rowCount === undefined
          ? { status: 0, curCmd: CurCmd.NONE, count: 0 }
          : { status: DoneStatus.COUNT, curCmd: CurCmd.NONE, count: out.rowCount };
        break;
      case 'error':
        anyError = true;
        writeMessage(w, Token.ERROR, { ...out, serverName: ctx.serverName, line: out.line ?? 1 });
        pending = { status: DoneStatus.ERROR, curCmd: CurCmd.NONE, count: 0 };
        break;
      case 'info':
        writeMessage(w, Token.INFO, { ...out, serverName: ctx.serverName, line: out.line ?? 1 });
        break;
      case 'returnStatus':
        if (ctx.mode === 'rpc') returnStatus = out.value;
        else writeReturnStatus(w, out.value);
        break;
      case 'database':
        sawDatabase = true;
        changeDatabase(out.name);
        break;
    }
  }
  // The engine may have changed session.database itself (USE) without saying so.
  if (!sawDatabase && ctx.session.database !== ctx.databaseBefore) {
    const name = ctx.session.database;
    flush(true);
    changeDatabase(name);
  }

  if (ctx.mode === 'batch') {
    if (pending) flush(false);
    else writeDone(w, Token.DONE, anyError ? DoneStatus.ERROR : DoneStatus.FINAL, CurCmd.NONE);
  } else {
    flush(true);
    writeReturnStatus(w, returnStatus ?? 0);
    writeDone(w, Token.DONEPROC, anyError ? DoneStatus.ERROR : DoneStatus.FINAL, CurCmd.EXECUTE);
  }
  return Buffer.from(w.view());
}

/** A response with only a DONE token: for ignored messages and interrupted requests. */
export function encodeDoneOnly(status: number): Buffer {
  const w = new BufferWriter(13);
  writeDone(w, Token.DONE, status, CurCmd.NONE);
  return Buffer.from(w.view());
}
