// The first records of a CSV text (RFC 4180 quoting), for the column-mapping form:
// the header and a few rows to guess each column's kind. The history itself is
// read by the package (the `csv` crate), not here.

/** Up to `max` records of `text`, each a list of cells. */
export function csvRecords(text, max = 50) {
    const records = [];
    let row = [];
    let cell = '';
    let quoted = false;
    let i = 0;
    for (; i < text.length && records.length < max; i += 1) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') {
                cell += '"';
                i += 1;
            } else if (c === '"') quoted = false;
            else cell += c;
        } else if (c === '"' && cell === '') quoted = true;
        else if (c === ',') {
            row.push(cell);
            cell = '';
        } else if (c === '\n' || c === '\r') {
            if (c === '\r' && text[i + 1] === '\n') i += 1;
            row.push(cell);
            records.push(row);
            row = [];
            cell = '';
        } else cell += c;
    }
    if ((cell !== '' || row.length) && records.length < max) records.push([...row, cell]);
    return records;
}

/** The kind a column's name and first values suggest: outcome, id, number or profile. */
export function guessRole(name, values) {
    if (/^(converted|conversion|outcome|won|is_?won|target|label)$/i.test(name)) return 'outcome';
    if (/(^id$|_id$|\bid$|lead ?(number|id)|prospect ?id)/i.test(name)) return 'id';
    const filled = values.filter((v) => v !== '');
    if (filled.length && filled.every((v) => /^-?\d+(\.\d+)?$/.test(v.trim()))) return 'number';
    return 'profile';
}
