import { SqlServerError } from '../model/sql-error.js';
import { dropLinkOn, forcedFailover, plannedFailover, resolveDagReplica, setAvailabilityModes, setRoleSecondary } from '../model/link-ops.js';
import type { AvailabilityMode } from '../model/types.js';
import { Cursor, done, syntaxError, type CommandParser, type Executor } from './cursor.js';
import type { ExecContext } from './types.js';

/**
 * ALTER / DROP AVAILABILITY GROUP. The link (distributed AG) rules live in model/link-ops.ts so ARM
 * and T-SQL agree; this file parses and applies the local-AG rules.
 *
 * | number | when | confidence |
 * |---|---|---|
 * | 15151 | unknown availability group | documented |
 * | 41122 | FAILOVER on a local AG whose local replica is already primary | documented |
 * | 41190 | command not valid in the replica's state or for this kind of AG (e.g. SET ROLE on a non-distributed AG) | documented text, number reused by the lab for kind errors |
 * | 41190 | SESSION_TIMEOUT below 5 seconds | lab choice; the real number is unconfirmed |
 */
type Target = { kind: 'dag' } | { kind: 'local'; index: number };

function target(ctx: ExecContext, name: string, verb: string): Target {
  const link = ctx.world.link;
  if (link && link.dagName.toLowerCase() === name.toLowerCase() && ctx.world.sideOf(ctx.inst.name)) return { kind: 'dag' };
  const index = ctx.inst.localAgs.findIndex((a) => a.name.toLowerCase() === name.toLowerCase());
  if (index >= 0) return { kind: 'local', index };
  throw new SqlServerError(15151, `Cannot ${verb} the availability group '${name}', because it does not exist or you do not have permission.`);
}

function kindError(name: string, command: string): SqlServerError {
  return new SqlServerError(41190, `Availability group '${name}' failed to process ${command} command. The local availability replica is not in a state that could process the command. (${command} applies to a distributed availability group only)`);
}

function mode(c: Cursor): AvailabilityMode {
  const t = c.next();
  if (t.type === 'word' && (t.value === 'SYNCHRONOUS_COMMIT' || t.value === 'ASYNCHRONOUS_COMMIT')) return t.value;
  throw syntaxError(t);
}

function parseAlter(c: Cursor, name: string): Executor {
  if (c.accept('SET')) {
    c.expect('(', 'ROLE', '=', 'SECONDARY', ')');
    c.end();
    return (ctx) => {
      const t = target(ctx, name, 'alter');
      if (t.kind !== 'dag') throw kindError(name, 'SET ROLE');
      setRoleSecondary(ctx.world, ctx.inst.name, name);
      return done();
    };
  }
  if (c.accept('FAILOVER')) {
    c.end();
    return (ctx) => {
      const t = target(ctx, name, 'alter');
      if (t.kind === 'local') {
        throw new SqlServerError(41122, `Cannot failover availability group '${name}' to this instance of SQL Server. The local availability replica is already the primary replica of the availability group. To failover this availability group to another instance of SQL Server, run the failover command on that instance of SQL Server. If local instance of SQL Server is intended to host the primary replica of the availability group, then no action is required.`);
      }
      plannedFailover(ctx.world, ctx.inst.name, name);
      return done();
    };
  }
  if (c.accept('FORCE_FAILOVER_ALLOW_DATA_LOSS')) {
    c.end();
    return (ctx) => {
      const t = target(ctx, name, 'alter');
      if (t.kind === 'local') throw kindError(name, 'FORCE_FAILOVER_ALLOW_DATA_LOSS');
      forcedFailover(ctx.world, ctx.inst.name, name);
      return done();
    };
  }
  if (c.accept('MODIFY', 'AVAILABILITY', 'GROUP', 'ON')) {
    const modes: { agName: string; mode: AvailabilityMode }[] = [];
    do {
      const agName = c.string();
      c.expect('WITH', '(');
      let m: AvailabilityMode | undefined;
      do {
        const opt = c.next();
        c.expect('=');
        if (opt.value === 'AVAILABILITY_MODE') m = mode(c);
        else if (opt.value === 'FAILOVER_MODE' || opt.value === 'SEEDING_MODE') c.next();
        else throw syntaxError(opt);
      } while (c.accept(','));
      c.expect(')');
      if (m) modes.push({ agName, mode: m });
    } while (c.accept(','));
    c.end();
    return (ctx) => {
      const t = target(ctx, name, 'alter');
      if (t.kind !== 'dag') throw kindError(name, 'MODIFY AVAILABILITY GROUP');
      setAvailabilityModes(ctx.world, ctx.inst.name, name, modes);
      return done();
    };
  }
  if (c.accept('MODIFY', 'REPLICA', 'ON')) {
    const replica = c.string();
    c.expect('WITH', '(');
    const opts: { key: string; value: string | number }[] = [];
    do {
      const key = c.next().value;
      c.expect('=');
      const v = c.peek();
      opts.push({ key, value: v?.type === 'number' ? c.number() : c.next().value });
    } while (c.accept(','));
    c.expect(')');
    c.end();
    return (ctx) => {
      const t = target(ctx, name, 'alter');
      for (const o of opts) {
        if (o.key === 'SESSION_TIMEOUT' && (typeof o.value !== 'number' || o.value < 5)) {
          throw new SqlServerError(41190, `Availability group '${name}' failed to process MODIFY REPLICA command. SESSION_TIMEOUT must be at least 5 seconds; ${o.value} is not valid.`);
        }
      }
      if (t.kind === 'dag') {
        const side = resolveDagReplica(ctx.world, replica);
        if (!side) throw new SqlServerError(15151, `Cannot alter the availability replica '${replica}', because it does not exist or you do not have permission.`);
        for (const o of opts) {
          if (o.key === 'SESSION_TIMEOUT') side.sessionTimeout = o.value as number;
          else if (o.key === 'AVAILABILITY_MODE') ctx.world.sideOf(ctx.inst.name)!.modes[side.agName] = o.value as AvailabilityMode;
        }
      } else {
        const ag = ctx.inst.localAgs[t.index]!;
        if (ag.replicaServerName.toLowerCase() !== replica.toLowerCase()) {
          throw new SqlServerError(15151, `Cannot alter the availability replica '${replica}', because it does not exist or you do not have permission.`);
        }
        for (const o of opts) {
          if (o.key === 'SESSION_TIMEOUT') ag.sessionTimeout = o.value as number;
          else if (o.key === 'AVAILABILITY_MODE') ag.availabilityMode = o.value as AvailabilityMode;
          else if (o.key === 'FAILOVER_MODE') ag.failoverMode = o.value as 'AUTOMATIC' | 'MANUAL';
        }
      }
      ctx.world.event(ctx.inst.name, 'modify-replica', `${name}: replica ${replica} modified`);
      return done();
    };
  }
  throw syntaxError(c.peek());
}

export const parseAvailabilityGroupCommand: CommandParser = (s) => {
  const c = new Cursor(s.tokens);
  if (c.accept('ALTER', 'AVAILABILITY', 'GROUP')) return parseAlter(c, c.name());
  if (c.accept('DROP', 'AVAILABILITY', 'GROUP')) {
    const name = c.name();
    c.end();
    return (ctx) => {
      const t = target(ctx, name, 'drop');
      if (t.kind === 'dag') dropLinkOn(ctx.world, ctx.inst.name, name);
      else {
        ctx.inst.localAgs.splice(t.index, 1);
        ctx.world.event(ctx.inst.name, 'drop', `availability group ${name} dropped`);
      }
      return done();
    };
  }
  return undefined;
};
