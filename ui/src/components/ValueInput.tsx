/** The value of a condition, with the input its operator takes (SPEC §3.2). */
import { useState } from 'preact/hooks';
import { UNITS, type ValueShape } from '../fields.js';

interface Props { shape: ValueShape; value: unknown; onChange: (value: unknown) => void; label?: string }

export function ValueInput({ shape, value, onChange, label = 'Value' }: Props) {
  switch (shape) {
    case 'none':
      return null;
    case 'text':
      return <input class="value" type="text" aria-label={label} value={String(value ?? '')} onInput={(e) => onChange(e.currentTarget.value)} />;
    case 'texts':
      return <Chips label={label} values={Array.isArray(value) ? value.map(String) : []} onChange={onChange} />;
    case 'number':
      return <input class="value number" type="number" step="any" aria-label={label} value={numberText(value)} onInput={(e) => onChange(toNumber(e.currentTarget.value))} />;
    case 'range': {
      const [lo, hi] = Array.isArray(value) ? value : [0, 0];
      return (
        <span class="pair">
          <input class="value number" type="number" step="any" aria-label={`${label}: from`} value={numberText(lo)} onInput={(e) => onChange([toNumber(e.currentTarget.value), hi])} />
          <span>and</span>
          <input class="value number" type="number" step="any" aria-label={`${label}: to`} value={numberText(hi)} onInput={(e) => onChange([lo, toNumber(e.currentTarget.value)])} />
        </span>
      );
    }
    case 'date':
      return <input class="value" type="date" aria-label={label} value={dateText(value)} onInput={(e) => onChange(e.currentTarget.value)} />;
    case 'dates': {
      const [from, to] = Array.isArray(value) ? value : ['', ''];
      return (
        <span class="pair">
          <input class="value" type="date" aria-label={`${label}: from`} value={dateText(from)} onInput={(e) => onChange([e.currentTarget.value, to])} />
          <span>and</span>
          <input class="value" type="date" aria-label={`${label}: to`} value={dateText(to)} onInput={(e) => onChange([from, e.currentTarget.value])} />
        </span>
      );
    }
    case 'duration': {
      const d = (value ?? { amount: 30, unit: 'days' }) as { amount: number; unit: string };
      return (
        <span class="pair">
          <input class="value number" type="number" min="0" aria-label={`${label}: amount`} value={numberText(d.amount)} onInput={(e) => onChange({ ...d, amount: toNumber(e.currentTarget.value) })} />
          <select aria-label={`${label}: unit`} value={d.unit} onChange={(e) => onChange({ ...d, unit: e.currentTarget.value })}>
            {UNITS.map((u) => <option value={u}>{u}</option>)}
          </select>
        </span>
      );
    }
  }
}

/** Multi-value chips: type and press Enter (or a comma) to add, Backspace on an empty input or × to remove. */
function Chips({ values, onChange, label }: { values: string[]; onChange: (v: string[]) => void; label: string }) {
  const [draft, setDraft] = useState('');
  const add = () => {
    const v = draft.trim();
    if (v && !values.includes(v)) onChange([...values, v]);
    setDraft('');
  };
  return (
    <span class="chips">
      {values.map((v) => (
        <span class="chip">{v}<button type="button" aria-label={`Remove ${v}`} onClick={() => onChange(values.filter((x) => x !== v))}>×</button></span>
      ))}
      <input type="text" aria-label={label} placeholder="type, then Enter" value={draft}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onBlur={add}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ',') { e.preventDefault(); add(); }
          else if (e.key === 'Backspace' && draft === '' && values.length) onChange(values.slice(0, -1));
        }} />
    </span>
  );
}

const numberText = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
const toNumber = (text: string) => (text === '' ? 0 : Number(text));
const dateText = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : '');
