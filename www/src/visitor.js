// The test visitor: profile fields as typed in the form, and events placed on days
// of a simulated calendar. A lead is made from them for the engine at any `now`.

/** Day 0 of the simulated calendar (a Monday, 09:00 UTC): fixed, so a shared link scores the same. */
export const DAY0 = Date.UTC(2026, 10, 2, 9, 0);
export const DAY = 86_400_000;
/** `now` on a day is its end of working hours (17:00): the day's events are all before it. */
export const nowOnDay = (day) => DAY0 + day * DAY + 8 * 3_600_000;

/**
 * The typical events of the simulator's buttons. Each has shapes in the names rule
 * sets commonly use; the button adds the first whose type the rule set looks at.
 */
export const TYPICAL_EVENTS = [
    { key: 'pricing', label: 'Visits the pricing page', shapes: [{ type: 'page_view', url: '/pricing', seconds: 90 }] },
    {
        key: 'whitepaper',
        label: 'Downloads a whitepaper',
        shapes: [
            { type: 'form_submit', form: 'whitepaper' },
            { type: 'download', asset: 'whitepaper' },
            { type: 'content_download', asset: 'whitepaper' },
            { type: 'whitepaper_download' },
        ],
    },
    {
        key: 'webinar',
        label: 'Attends a webinar',
        shapes: [{ type: 'webinar_attended', webinar: 'product-tour' }, { type: 'webinar' }],
    },
    {
        key: 'email',
        label: 'Clicks a link in an email',
        shapes: [
            { type: 'email_click', campaign: 'newsletter' },
            { type: 'email_open', campaign: 'newsletter' },
        ],
    },
    {
        key: 'demo',
        label: 'Requests a demo',
        shapes: [{ type: 'form_submit', form: 'demo_request' }, { type: 'demo_request' }],
    },
    { key: 'unsubscribe', label: 'Unsubscribes from emails', shapes: [{ type: 'unsubscribe' }] },
];

/** The shape of a typical event to add under a rule set that reads `reads.events`. */
export function typicalEvent(key, reads) {
    const t = TYPICAL_EVENTS.find((e) => e.key === key);
    const looked = reads ? Object.keys(reads.events) : [];
    return { ...(t.shapes.find((s) => looked.includes(s.type)) ?? t.shapes[0]) };
}

/** Example values for profile fields rule sets often read. */
const SAMPLE_PROFILE = {
    jobTitle: 'Marketing Director',
    title: 'Marketing Director',
    role: 'admin',
    email: 'dana@example.com',
    country: 'US',
    'company.size': '250',
    'company.industry': 'software',
    teamSize: '12',
};

export function sampleProfile(fields) {
    return Object.fromEntries(fields.filter((f) => f in SAMPLE_PROFILE).map((f) => [f, SAMPLE_PROFILE[f]]));
}

/** A form's text as the value it means: a number, true or false, else the text. */
export function typedValue(text) {
    const t = text.trim();
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    return t;
}

/** The lead the engine scores: dotted profile fields as nested objects; events on their days. */
export function leadOf(visitor) {
    const profile = {};
    for (const [field, text] of Object.entries(visitor.profile)) {
        if (String(text).trim() === '') continue;
        const parts = field.split('.');
        let at = profile;
        for (const p of parts.slice(0, -1)) at = at[p] && typeof at[p] === 'object' ? at[p] : (at[p] = {});
        at[parts[parts.length - 1]] = typedValue(String(text));
    }
    // The events of one day a minute apart, in the order of the list.
    const events = visitor.events.map((e, i) => ({
        ...e.props,
        type: e.type,
        ts: DAY0 + e.day * DAY + i * 60_000,
        id: e.id,
    }));
    return { id: 'test-visitor', profile, events };
}

/** An event's details as a reader sees them: `url /pricing, seconds 90`. */
export function describeProps(props) {
    return Object.entries(props ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
}

/** `key=value, key=value` typed in a form, as event properties. Throws on a part without `=`. */
export function parseProps(text) {
    const props = {};
    for (const part of text.split(',')) {
        if (!part.trim()) continue;
        const eq = part.indexOf('=');
        if (eq <= 0) throw new Error(`"${part.trim()}" is not name=value`);
        props[part.slice(0, eq).trim()] = typedValue(part.slice(eq + 1));
    }
    return props;
}
