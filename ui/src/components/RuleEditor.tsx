/**
 * One condition of the builder: category → field → operator → value, each
 * list coming from the catalog (only what has data) and the operators of the
 * field's value type. Events add measure, window and property filters;
 * experiences add interactions and "answered with" per step.
 */
import type { Category, Condition } from '../api.js';
import {
  MEASURES, MEASURE_LABELS, NATIVE_TYPES, OPERATORS, OPERATOR_LABELS, categoryOf, defaultValue, newCondition, operatorsFor, typeOfOperator, valueShape,
  type ValueType,
} from '../fields.js';
import { ValueInput } from './ValueInput.js';

interface Props { condition: Condition; categories: Category[]; onChange: (c: Condition) => void; onRemove: () => void }

export function RuleEditor({ condition, categories, onChange, onRemove }: Props) {
  const category = categoryOf(condition, categories);
  return (
    <div class="rule" role="group" aria-label="Condition">
      <select aria-label="Category" value={category?.id ?? ''} onChange={(e) => {
        const next = categories.find((c) => c.id === e.currentTarget.value);
        if (next) onChange(newCondition(next));
      }}>
        {!category && <option value="">{condition.type}</option>}
        {categories.map((c) => <option value={c.id}>{c.label}</option>)}
      </select>
      <Fields condition={condition} category={category} onChange={onChange} />
      <button type="button" class="icon remove" aria-label="Remove condition" title="Remove condition" onClick={onRemove}>×</button>
    </div>
  );
}

function Fields({ condition, category, onChange }: { condition: Condition; category?: Category; onChange: (c: Condition) => void }) {
  const set = (patch: Record<string, unknown>) => onChange(clean({ ...condition, ...patch }));
  switch (condition.type) {
    case 'attribute': {
      const fields = category?.fields ?? Object.entries(NATIVE_TYPES).map(([name, type]) => ({ name, type }));
      const type = (NATIVE_TYPES[String(condition.attribute)] ?? 'string') as ValueType;
      return (
        <>
          <select aria-label="Field" value={String(condition.attribute)} onChange={(e) => set({ attribute: e.currentTarget.value, operator: 'is_not_empty', value: undefined })}>
            {fields.map((f) => <option value={f.name}>{f.name}</option>)}
          </select>
          <Comparison type={type} operators={OPERATORS[type]} condition={condition} onChange={set} />
        </>
      );
    }
    case 'custom_attribute': {
      const keys = category?.keys ?? [];
      const types = keys.find((k) => k.key === condition.key)?.types ?? ['string'];
      const operators = operatorsFor(types);
      const operator = String(condition.operator);
      return (
        <>
          <select aria-label="Field" value={String(condition.key)} onChange={(e) => set({ key: e.currentTarget.value, operator: 'is_not_empty', value: undefined })}>
            {!keys.some((k) => k.key === condition.key) && <option value={String(condition.key)}>{String(condition.key)}</option>}
            {keys.map((k) => <option value={k.key}>{k.key}</option>)}
          </select>
          <Comparison type={typeOfOperator(operator, types)} operators={operators.map((o) => o.operator)} typeOf={(op) => typeOfOperator(op, types)} condition={condition} onChange={set} />
        </>
      );
    }
    case 'event':
      return <EventFields condition={condition} category={category} onChange={set} />;
    case 'experience':
    case 'answer':
      return <ExperienceFields condition={condition} category={category} onChange={onChange} />;
    case 'segment':
      return (
        <>
          <select aria-label="Operator" value={String(condition.operator)} onChange={(e) => set({ operator: e.currentTarget.value })}>
            <option value="in">is in</option>
            <option value="not_in">is not in</option>
          </select>
          <select aria-label="Segment" value={String(condition.segment)} onChange={(e) => set({ segment: e.currentTarget.value })}>
            {(category?.segments ?? []).map((s) => <option value={s.id}>{s.name}</option>)}
          </select>
        </>
      );
    default:
      return <code>{JSON.stringify(condition)}</code>;
  }
}

/** Operator select and value input; a new operator resets the value to one of its shape. */
function Comparison({ type, operators, typeOf, condition, onChange, prefix = '' }: {
  type: ValueType; operators: string[]; typeOf?: (operator: string) => ValueType; condition: Record<string, unknown>;
  onChange: (patch: Record<string, unknown>) => void; prefix?: string;
}) {
  const operator = String(condition.operator ?? operators[0]);
  const shape = valueShape(type, operator);
  return (
    <>
      <select aria-label={`${prefix}Operator`} value={operator} onChange={(e) => {
        const next = e.currentTarget.value;
        const nextShape = valueShape(typeOf ? typeOf(next) : type, next);
        onChange({ operator: next, value: nextShape === shape ? condition.value : defaultValue(nextShape) });
      }}>
        {operators.map((o) => <option value={o}>{OPERATOR_LABELS[o] ?? o}</option>)}
      </select>
      <ValueInput shape={shape} value={condition.value} label={`${prefix}Value`} onChange={(value) => onChange({ value })} />
    </>
  );
}

/** Measures of a numeric property: offered only for an event with one. */
const PROPERTY_MEASURES: readonly string[] = ['sum', 'avg', 'min', 'max'];

const WINDOWS = ['all', 'in_last', 'more_than_ago', 'between', 'before', 'after'] as const;
const WINDOW_LABELS: Record<string, string> = { all: 'all time', in_last: 'in the last', more_than_ago: 'more than … ago', between: 'between', before: 'before', after: 'after' };

function EventFields({ condition, category, onChange }: { condition: Condition; category?: Category; onChange: (patch: Record<string, unknown>) => void }) {
  const events = category?.events ?? [];
  const properties = events.find((e) => e.event === condition.event)?.properties ?? [];
  const numeric = properties.filter((p) => p.types.includes('number'));
  const measure = condition.measure;
  const measureName = typeof measure === 'object' && measure ? Object.keys(measure)[0]! : String(measure ?? 'count');
  const measureProperty = typeof measure === 'object' && measure ? String(Object.values(measure)[0]) : '';
  const isTime = measureName === 'first_time' || measureName === 'last_time';
  const type: ValueType = isTime ? 'date' : 'number';
  const operators = OPERATORS[type].filter((o) => o !== 'is_empty' && o !== 'is_not_empty');
  const window = condition.window as Record<string, unknown> | undefined;
  const windowKind = window ? Object.keys(window)[0]! : 'all';
  const where = (condition.where as Array<Record<string, unknown>> | undefined) ?? [];
  const comparison = { operator: condition.operator ?? 'gte', value: condition.value ?? (isTime ? undefined : 1) };
  return (
    <>
      <select aria-label="Event" value={String(condition.event)} onChange={(e) => onChange({ event: e.currentTarget.value, where: undefined })}>
        {!events.some((e) => e.event === condition.event) && <option value={String(condition.event)}>{String(condition.event)}</option>}
        {events.map((e) => <option value={e.event}>{e.event}</option>)}
      </select>
      <select aria-label="Measure" value={measureName} onChange={(e) => {
        const name = e.currentTarget.value;
        const timeNext = name === 'first_time' || name === 'last_time';
        const m = ['sum', 'avg', 'min', 'max'].includes(name) ? { [name]: numeric[0]?.key ?? measureProperty } : name === 'count' ? undefined : name;
        onChange(timeNext
          ? { measure: m, window: undefined, operator: 'in_last', value: { amount: 30, unit: 'days' } }
          : { measure: m, operator: isTime ? 'gte' : comparison.operator, value: isTime ? 1 : comparison.value });
      }}>
        {MEASURES.filter((m) => !PROPERTY_MEASURES.includes(m) || numeric.length > 0 || m === measureName)
          .map((m) => <option value={m}>{MEASURE_LABELS[m]}</option>)}
      </select>
      {['sum', 'avg', 'min', 'max'].includes(measureName) && (
        <select aria-label="Measured property" value={measureProperty} onChange={(e) => onChange({ measure: { [measureName]: e.currentTarget.value } })}>
          {!numeric.some((p) => p.key === measureProperty) && <option value={measureProperty}>{measureProperty}</option>}
          {numeric.map((p) => <option value={p.key}>{p.key}</option>)}
        </select>
      )}
      {/* The comparison is sent whole: a value alone would leave the default operator implicit. */}
      <Comparison type={type} operators={operators} condition={comparison} onChange={(patch) => onChange({ ...comparison, ...patch })} />
      {!isTime && (
        <span class="window">
          <select aria-label="Window" value={windowKind} onChange={(e) => {
            const kind = e.currentTarget.value;
            const shape = kind === 'in_last' || kind === 'more_than_ago' ? 'duration' : kind === 'between' ? 'dates' : 'date';
            onChange({ window: kind === 'all' ? undefined : { [kind]: defaultValue(shape) } });
          }}>
            {WINDOWS.map((w) => <option value={w}>{WINDOW_LABELS[w]}</option>)}
          </select>
          {window && (
            <ValueInput label="Window value" shape={windowKind === 'in_last' || windowKind === 'more_than_ago' ? 'duration' : windowKind === 'between' ? 'dates' : 'date'}
              value={window[windowKind]} onChange={(v) => onChange({ window: { [windowKind]: v } })} />
          )}
        </span>
      )}
      <div class="filters">
        {where.map((filter, i) => {
          const types = properties.find((p) => p.key === filter.property)?.types ?? ['string'];
          const setFilter = (patch: Record<string, unknown>) => onChange({ where: where.map((f, j) => (j === i ? clean({ ...f, ...patch }) : f)) });
          return (
            <div class="filter" role="group" aria-label="Property filter">
              <span class="muted">where</span>
              <select aria-label="Property" value={String(filter.property)} onChange={(e) => setFilter({ property: e.currentTarget.value, operator: 'is_not_empty', value: undefined })}>
                {!properties.some((p) => p.key === filter.property) && <option value={String(filter.property)}>{String(filter.property)}</option>}
                {properties.map((p) => <option value={p.key}>{p.key}</option>)}
              </select>
              <Comparison prefix="Filter " type={typeOfOperator(String(filter.operator), types)} operators={operatorsFor(types).map((o) => o.operator)}
                typeOf={(op) => typeOfOperator(op, types)} condition={filter} onChange={setFilter} />
              <button type="button" class="icon remove" aria-label="Remove filter" onClick={() => onChange({ where: where.filter((_, j) => j !== i) })}>×</button>
            </div>
          );
        })}
        {properties.length > 0 && (
          <button type="button" class="link" onClick={() => onChange({ where: [...where, { property: properties[0]!.key, operator: 'is_not_empty' }] })}>+ where…</button>
        )}
      </div>
    </>
  );
}

const INTERACTIONS = ['seen', 'not_seen', 'completed', 'not_completed', 'dismissed', 'not_dismissed'];

function ExperienceFields({ condition, category, onChange }: { condition: Condition; category?: Category; onChange: (c: Condition) => void }) {
  const experiences = category?.experiences ?? [];
  const experience = experiences.find((x) => x.experience === condition.experience);
  const steps = experience?.steps ?? [];
  const what = condition.type === 'answer' ? `answer:${String(condition.step)}` : String(condition.interaction);
  const step = steps.find((s) => s.step === condition.step);
  const types = (step?.types ?? ['string']) as ValueType[];
  // The latest answer takes string, number and list operators (SPEC §3.4): no dates, no emptiness.
  const answerTypes = types.filter((t) => t === 'string' || t === 'number' || t === 'list');
  const answerOperators = ['answered', 'not_answered', ...new Set(answerTypes.flatMap((t) => OPERATORS[t].filter((o) => o !== 'is_empty' && o !== 'is_not_empty')))];
  const typeOf = (op: string): ValueType => answerTypes.find((t) => OPERATORS[t].includes(op)) ?? 'string';
  const within = condition.within as { amount: number; unit: string } | undefined;
  const base = { experience: condition.experience, ...(within ? { within } : {}) };
  return (
    <>
      <select aria-label="Experience" value={String(condition.experience)} onChange={(e) => onChange({ type: 'experience', experience: e.currentTarget.value, interaction: 'seen', ...(within ? { within } : {}) })}>
        {!experience && <option value={String(condition.experience)}>{String(condition.experience)}</option>}
        {experiences.map((x) => <option value={x.experience}>{x.experience}</option>)}
      </select>
      <select aria-label="Interaction" value={what} onChange={(e) => {
        const v = e.currentTarget.value;
        onChange(v.startsWith('answer:') ? { type: 'answer', ...base, step: v.slice(7), operator: 'answered' } : { type: 'experience', ...base, interaction: v });
      }}>
        {INTERACTIONS.map((i) => <option value={i}>{i.replace('_', ' ')}</option>)}
        {steps.map((s) => <option value={`answer:${s.step}`}>answered with › {s.step}</option>)}
      </select>
      {condition.type === 'answer' && (
        <Comparison type={typeOf(String(condition.operator))} operators={answerOperators} typeOf={typeOf} condition={condition}
          onChange={(patch) => onChange(clean({ ...condition, ...patch }) as Condition)} />
      )}
      <select aria-label="Within" value={within ? 'in_last' : 'all'} onChange={(e) => {
        const next = { ...condition };
        if (e.currentTarget.value === 'all') delete next.within; else next.within = { amount: 30, unit: 'days' };
        onChange(next);
      }}>
        <option value="all">any time</option>
        <option value="in_last">in the last</option>
      </select>
      {within && <ValueInput label="Within" shape="duration" value={within} onChange={(v) => onChange({ ...condition, within: v })} />}
    </>
  );
}

/** Drops unset fields, so the condition sent is exactly what SPEC §3 reads. */
function clean<T extends Record<string, unknown>>(c: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (v !== undefined && !(k === 'where' && Array.isArray(v) && v.length === 0)) out[k] = v;
  return out as T;
}
