// Permission bits the fake enforces, and Discord's computation order: @everyone role, member
// roles, Administrator short-circuit, then channel overwrites (@everyone, roles, member).
// (discord.com/developers/docs/topics/permissions#permission-overwrites)

export const Perm = {
  Administrator: 1n << 3n,
  ManageGuild: 1n << 5n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ReadMessageHistory: 1n << 16n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
} as const;

/** What a fresh @everyone role gets in the fake unless a test says otherwise. */
export const DEFAULT_EVERYONE =
  Perm.ViewChannel | Perm.SendMessages | Perm.ReadMessageHistory | Perm.CreatePublicThreads | Perm.SendMessagesInThreads;

const ALL = (1n << 53n) - 1n;

export interface Overwrite {
  /** Role or member id. */
  id: string;
  /** 0 role, 1 member. */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export function computePermissions(input: {
  guildId: string;
  ownerId: string;
  userId: string;
  rolePermissions: Map<string, bigint>;
  memberRoles: string[];
  overwrites: Overwrite[];
}): bigint {
  if (input.userId === input.ownerId) return ALL;
  let perms = input.rolePermissions.get(input.guildId) ?? 0n;
  for (const role of input.memberRoles) perms |= input.rolePermissions.get(role) ?? 0n;
  if (perms & Perm.Administrator) return ALL;
  const everyone = input.overwrites.find((o) => o.type === 0 && o.id === input.guildId);
  if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
  let allow = 0n;
  let deny = 0n;
  for (const o of input.overwrites) {
    if (o.type === 0 && o.id !== input.guildId && input.memberRoles.includes(o.id)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  }
  perms = (perms & ~deny) | allow;
  const member = input.overwrites.find((o) => o.type === 1 && o.id === input.userId);
  if (member) perms = (perms & ~member.deny) | member.allow;
  return perms;
}
