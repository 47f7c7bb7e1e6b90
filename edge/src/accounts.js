// Accounts: the leads of one company roll up in one Durable Object (`ACCOUNTS`,
// class `Account`), named by the account id a signal or profile carries, else by
// the domain of the lead's email address, free-mail domains excluded (a person at
// gmail.com is no company). Each scoring of a known lead records its stage and total
// there, and the account's figures travel with the lead's delivery.
import { DurableObject } from 'cloudflare:workers';
import { listVar } from './config.js';

/**
 * Free-mail domains: an address there names a person, not a company. `FREE_MAIL_DOMAINS`
 * (comma-separated) replaces this list when set.
 */
export const FREE_MAIL_DOMAINS = [
    'gmail.com',
    'googlemail.com',
    'yahoo.com',
    'ymail.com',
    'outlook.com',
    'hotmail.com',
    'live.com',
    'msn.com',
    'icloud.com',
    'me.com',
    'mac.com',
    'aol.com',
    'proton.me',
    'protonmail.com',
    'gmx.com',
    'gmx.de',
    'gmx.net',
    'web.de',
    'mail.com',
    'mail.ru',
    'yandex.com',
    'yandex.ru',
    'zoho.com',
    'fastmail.com',
    'hey.com',
    'tutanota.com',
    'qq.com',
    '163.com',
    '126.com',
];

/** How many leads an account keeps (the most recently scored). */
const MAX_LEADS = 500;
/** How many of them a delivery lists (the highest scores). */
const LISTED = 25;

const EMAIL = /^[^@\s]+@([^@\s]+\.[^@\s]+)$/;

function freeMailDomains(env) {
    const configured = listVar(env, 'FREE_MAIL_DOMAINS');
    return new Set((configured.length ? configured : FREE_MAIL_DOMAINS).map((d) => d.toLowerCase()));
}

/**
 * The account of a lead: `{ id, source }`, `source` being `'account'` (an id given:
 * the signal's `account`, else the profile's `accountId` or `company.id`) or
 * `'domain'` (the domain of the lead id or of the profile's `email`, when it is an
 * address outside the free-mail domains); null when there is none.
 * @param {{ account?: string, lead?: string | null, profile?: Record<string, any> }} of
 * @param {Record<string, any>} env
 */
export function accountOf({ account, lead, profile = {} }, env) {
    const given = account ?? profile.accountId ?? profile.company?.id;
    if ((typeof given === 'string' && given) || Number.isFinite(given)) return { id: String(given), source: 'account' };
    for (const address of [lead, profile.email]) {
        const m = typeof address === 'string' ? address.trim().match(EMAIL) : null;
        if (!m) continue;
        const domain = m[1].toLowerCase();
        return freeMailDomains(env).has(domain) ? null : { id: domain, source: 'domain' };
    }
    return null;
}

/**
 * Records `lead`'s current stage and total in its account's object and answers the
 * account's roll-up (null when the lead has no account).
 * @param {Record<string, any>} env
 * @param {{ id: string, source: string } | null} account
 * @param {{ lead: string, stage: string, total: number, at: number }} standing
 */
export async function rollUp(env, account, standing) {
    if (!account || !env.ACCOUNTS) return null;
    const name = `${account.source}:${account.id}`;
    return env.ACCOUNTS.get(env.ACCOUNTS.idFromName(name)).record(account, standing);
}

export class Account extends DurableObject {
    /** Records one lead's standing; answers the roll-up. */
    async record(account, { lead, stage, total, at }) {
        return this.ctx.blockConcurrencyWhile(async () => {
            /** @type {Record<string, { stage: string, total: number, at: number }>} */
            const leads = (await this.ctx.storage.get('leads')) ?? {};
            leads[lead] = { stage, total, at };
            const names = Object.keys(leads);
            if (names.length > MAX_LEADS) {
                names.sort((a, b) => leads[a].at - leads[b].at);
                for (const old of names.slice(0, names.length - MAX_LEADS)) delete leads[old];
            }
            await this.ctx.storage.put({ leads, account });
            return summarize(account, leads);
        });
    }

    /** The roll-up, or null when no lead was recorded. */
    async summary() {
        const [leads, account] = await Promise.all([this.ctx.storage.get('leads'), this.ctx.storage.get('account')]);
        return leads ? summarize(account, leads) : null;
    }
}

/**
 * The account's figures: how many leads it holds, how many are engaged (a total
 * above zero), how many are at each stage, the highest and the summed totals, and
 * the engaged leads with the highest totals (at most 25).
 */
export function summarize(account, leads) {
    const all = Object.entries(leads).map(([lead, s]) => ({ lead, stage: s.stage, total: s.total }));
    const byTotal = (a, b) => b.total - a.total || (a.lead < b.lead ? -1 : 1);
    const engaged = all.filter((l) => l.total > 0).sort(byTotal);
    const highest = [...all].sort(byTotal)[0];
    const stages = { none: 0, mql: 0, pql: 0, sql: 0 };
    for (const l of all) stages[l.stage] = (stages[l.stage] ?? 0) + 1;
    const sum = Math.round(all.reduce((s, l) => s + l.total, 0) * 100) / 100;
    return {
        id: account.id,
        source: account.source,
        leadCount: all.length,
        engagedCount: engaged.length,
        stages,
        highestScore: highest?.total ?? 0,
        highestLead: highest?.lead ?? null,
        summedScore: sum,
        engaged: engaged.slice(0, LISTED),
    };
}
