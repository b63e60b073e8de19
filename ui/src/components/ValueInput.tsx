/** The value of a condition, with the input its operator takes (SPEC §3.2). */
import { useEffect, useState } from 'preact/hooks';
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
      return <NumberInput label={label} value={value} onChange={onChange} />;
    case 'range': {
      const [lo, hi] = Array.isArray(value) ? value : [0, 0];
      return (
        <span class="pair">
          <NumberInput label={`${label}: from`} value={lo} onChange={(n) => onChange([n, hi])} />
          <span>and</span>
          <NumberInput label={`${label}: to`} value={hi} onChange={(n) => onChange([lo, n])} />
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
          <NumberInput label={`${label}: amount`} value={d.amount} integer onChange={(amount) => onChange({ ...d, amount })} />
          <select aria-label={`${label}: unit`} value={d.unit} onChange={(e) => onChange({ ...d, unit: e.currentTarget.value })}>
            {UNITS.map((u) => <option value={u}>{u}</option>)}
          </select>
        </span>
      );
    }
  }
}

/**
 * A number as typed: the text is kept while it is not a number yet ("", "-", "1e"), and only a
 * finite number (an integer where one is required) reaches the condition.
 */
function NumberInput({ value, onChange, label, integer = false }: { value: unknown; onChange: (n: number) => void; label: string; integer?: boolean }) {
  const [text, setText] = useState(numberText(value));
  useEffect(() => {
    if (Number(text) !== value || text.trim() === '') setText(numberText(value));
  }, [value]);
  return (
    <input class="value number" type="number" step={integer ? '1' : 'any'} min={integer ? '0' : undefined} aria-label={label} value={text}
      onInput={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        const n = Number(next);
        if (next.trim() !== '' && Number.isFinite(n) && (!integer || (Number.isInteger(n) && n >= 0))) onChange(n);
      }} />
  );
}

/** Multi-value chips: type and press Enter to add (a value may hold commas), Backspace on an empty input or × to remove. */
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
          if (e.key === 'Enter') { e.preventDefault(); add(); }
          else if (e.key === 'Backspace' && draft === '' && values.length) onChange(values.slice(0, -1));
        }} />
    </span>
  );
}

const numberText = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
const dateText = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : '');
