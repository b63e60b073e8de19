/** A segment's badge (icon + colored label), and its editor. */
import type { Badge as BadgeValue } from '../api.js';

export const COLORS = ['indigo', 'green', 'orange', 'red', 'blue', 'purple', 'gray'] as const;
const ICONS = ['⭐', '🔥', '💎', '🚀', '🎯', '👋', '💤', '⚠️', '📥', '🧪'];

export function Badge({ badge }: { badge: BadgeValue }) {
  if (!badge.icon && !badge.label) return <span class="badge empty" aria-hidden="true">◎</span>;
  return <span class={`badge ${badge.color ?? 'indigo'}`}>{badge.icon}{badge.label ? <span class="badge-label">{badge.label}</span> : null}</span>;
}

export function BadgeEditor({ badge, onChange }: { badge: BadgeValue; onChange: (b: BadgeValue) => void }) {
  return (
    <fieldset class="badge-editor">
      <legend>Badge</legend>
      <Badge badge={badge} />
      <label>Icon
        <input list="badge-icons" size={3} maxLength={8} value={badge.icon ?? ''} onInput={(e) => onChange({ ...badge, icon: e.currentTarget.value || undefined })} />
      </label>
      <datalist id="badge-icons">{ICONS.map((i) => <option value={i} />)}</datalist>
      <label>Label <input maxLength={64} value={badge.label ?? ''} onInput={(e) => onChange({ ...badge, label: e.currentTarget.value || undefined })} /></label>
      <label>Color
        <select value={badge.color ?? 'indigo'} onChange={(e) => onChange({ ...badge, color: e.currentTarget.value })}>
          {COLORS.map((c) => <option value={c}>{c}</option>)}
        </select>
      </label>
    </fieldset>
  );
}
