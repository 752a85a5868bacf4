// The direction's « Indicateurs »: over a period, how each class's and each teacher's
// cahier de textes is kept, the edits made offline, who used Ardoise each week, the
// conflicts and the charter's acceptance — drawn with Chart.js from what the ENT computed,
// each chart with its figures in a table beside it (a canvas says nothing to a screen
// reader). Totals only: never a pupil.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import type { Indicators, WritingRow } from "./bindings";
import { formatDate, t, type Lang } from "./i18n";
import { el } from "./view";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

/** Colours told apart by people with the common colour-vision deficiencies. */
const COLOURS = ["#1b5e9f", "#e08a00", "#2e8b57", "#a23b72", "#6b6b6b"];

type Config = ChartConfiguration<"bar" | "line", number[], string>;

/** Séances written per lesson held, in percent (none held: 100), as the server counts it. */
export function writtenPercent(r: WritingRow): number {
  return r.lessonsHeld === 0 ? 100 : Math.floor((r.seancesWritten * 100) / r.lessonsHeld);
}

function base(type: "bar" | "line", horizontal = false): Pick<Config, "type" | "options"> {
  return {
    type,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      plugins: { legend: { position: "bottom" } },
      scales: { x: { beginAtZero: true }, y: { beginAtZero: true } },
    },
  };
}

/** One chart per measure, each with its caption and its figures. */
export interface Figure {
  id: string;
  caption: string;
  config: Config;
  /** The table of figures: header, then rows. */
  table: string[][];
  /** Height in pixels, for the number of bars. */
  height: number;
}

export function figures(ind: Indicators, lang: Lang): Figure[] {
  const m = t(lang);
  const out: Figure[] = [];
  const rowsHeight = (n: number) => Math.max(160, 40 + n * 22);

  const percent = base("bar", true);
  percent.options = { ...percent.options, scales: { x: { beginAtZero: true, max: 100 }, y: {} } };
  out.push({
    id: "classes",
    caption: m.indicatorsClasses,
    config: {
      ...percent,
      data: {
        labels: ind.classes.map((c) => c.name),
        datasets: [{ label: "%", data: ind.classes.map(writtenPercent), backgroundColor: COLOURS[0] }],
      },
    },
    table: [
      ["", m.indicatorsHeld, m.indicatorsWritten, "%", m.indicatorsHomework],
      ...ind.classes.map((c) => [c.name, String(c.lessonsHeld), String(c.seancesWritten), String(writtenPercent(c)), String(c.homeworkGiven)]),
    ],
    height: rowsHeight(ind.classes.length),
  });

  out.push({
    id: "teachers",
    caption: m.indicatorsTeachers,
    config: {
      ...base("bar", true),
      data: {
        labels: ind.teachers.map((r) => r.name),
        datasets: [
          { label: m.indicatorsHeld, data: ind.teachers.map((r) => r.lessonsHeld), backgroundColor: COLOURS[4] },
          { label: m.indicatorsWritten, data: ind.teachers.map((r) => r.seancesWritten), backgroundColor: COLOURS[0] },
        ],
      },
    },
    table: [
      ["", m.indicatorsHeld, m.indicatorsWritten, m.indicatorsHomework],
      ...ind.teachers.map((r) => [r.name, String(r.lessonsHeld), String(r.seancesWritten), String(r.homeworkGiven)]),
    ],
    height: rowsHeight(ind.teachers.length * 2),
  });

  const writers = ind.teachers.filter((r) => r.edits > 0);
  out.push({
    id: "offline",
    caption: m.indicatorsOffline,
    config: {
      ...base("bar", true),
      data: {
        labels: writers.map((r) => r.name),
        datasets: [
          { label: m.indicatorsEdits, data: writers.map((r) => r.edits), backgroundColor: COLOURS[4] },
          { label: m.indicatorsOfflineEdits, data: writers.map((r) => r.offlineEdits), backgroundColor: COLOURS[1] },
        ],
      },
    },
    table: [["", m.indicatorsEdits, m.indicatorsOfflineEdits], ...writers.map((r) => [r.name, String(r.edits), String(r.offlineEdits)])],
    height: rowsHeight(writers.length * 2),
  });

  const roles = [
    ["teacher", (w: Indicators["weeks"][number]) => w.teachers],
    ["vie_scolaire", (w: Indicators["weeks"][number]) => w.vieScolaire],
    ["direction", (w: Indicators["weeks"][number]) => w.direction],
    ["pupil", (w: Indicators["weeks"][number]) => w.pupils],
    ["parent", (w: Indicators["weeks"][number]) => w.parents],
  ] as const;
  const weeks = ind.weeks.map((w) => m.indicatorsWeek(formatDate(w.week, lang)));
  out.push({
    id: "active",
    caption: m.indicatorsActive,
    config: {
      ...base("line"),
      data: {
        labels: weeks,
        datasets: roles.map(([role, of], i) => ({
          label: m.rolesPlural(role),
          data: ind.weeks.map(of),
          borderColor: COLOURS[i],
          backgroundColor: COLOURS[i],
        })),
      },
    },
    table: [["", ...roles.map(([role]) => m.rolesPlural(role))], ...ind.weeks.map((w, i) => [weeks[i], ...roles.map(([, of]) => String(of(w)))])],
    height: 260,
  });

  const c = ind.conflicts;
  const conflictLabels = [m.indicatorsConflictMade, m.indicatorsKeptMine, m.indicatorsKeptTheirs, m.indicatorsOpen];
  const conflictValues = [c.made, c.keptMine, c.keptTheirs, c.open];
  out.push({
    id: "conflicts",
    caption: m.indicatorsConflicts,
    config: {
      ...base("bar"),
      data: { labels: conflictLabels, datasets: [{ label: m.indicatorsConflicts, data: conflictValues, backgroundColor: COLOURS[3] }] },
    },
    table: conflictLabels.map((l, i) => [l, String(conflictValues[i])]),
    height: 220,
  });

  if (ind.charter.version !== null) {
    const by = ind.charter.byRole;
    out.push({
      id: "charter",
      caption: m.indicatorsCharter(ind.charter.version),
      config: {
        type: "bar",
        options: { ...base("bar").options, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
        data: {
          labels: by.map((r) => m.rolesPlural(r.role)),
          datasets: [
            { label: m.indicatorsAccepted, data: by.map((r) => r.accepted), backgroundColor: COLOURS[2] },
            { label: m.indicatorsNotAccepted, data: by.map((r) => r.accounts - r.accepted), backgroundColor: COLOURS[4] },
          ],
        },
      },
      table: [["", m.indicatorsAccepted, m.indicatorsNotAccepted], ...by.map((r) => [m.rolesPlural(r.role), String(r.accepted), String(r.accounts - r.accepted)])],
      height: 220,
    });
  }
  return out;
}

function table(rows: string[][]): HTMLTableElement {
  const [head, ...body] = rows;
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...body.map((r) => el("tr", {}, el("th", { scope: "row" }, r[0]), ...r.slice(1).map((v) => el("td", {}, v))))),
  );
}

/** The charts drawn so far, destroyed before the next page is drawn. */
let drawn: Chart[] = [];

/** The indicators as figures: a chart (when the webview can draw) and its table each. */
export function indicatorsView(ind: Indicators, lang: Lang): HTMLElement {
  const m = t(lang);
  for (const c of drawn) c.destroy();
  drawn = [];
  const grid = el("div", { class: "indicators-grid" });
  const section = el("section", { class: "indicators-figures" }, el("p", { class: "indicators-note" }, m.indicatorsNoPupil), grid);
  for (const f of figures(ind, lang)) {
    const canvas = el("canvas", { role: "img", "aria-label": f.caption });
    const box = el("div", { class: "chart-box" }, canvas);
    // Set through the CSSOM: the page's policy allows no inline style attribute.
    box.style.height = `${f.height}px`;
    const figure = el(
      "figure",
      { class: "indicator", "data-figure": f.id },
      el("figcaption", {}, f.caption),
      box,
      el("details", {}, el("summary", {}, m.indicatorsNumbers), table(f.table)),
    );
    grid.append(figure);
    // jsdom (the unit tests) has no canvas: the figure keeps its table.
    if (canvas.getContext("2d")) drawn.push(new Chart(canvas, f.config));
  }
  return section;
}

/** The period form: from, until, « Afficher », « Exporter en CSV ». */
export function periodForm(
  from: string,
  until: string,
  lang: Lang,
  onShow: (from: string, until: string) => void,
  onCsv: (from: string, until: string) => void,
): HTMLFormElement {
  const m = t(lang);
  const input = (id: string, label: string, value: string) => {
    const i = el("input", { id, type: "date", value, required: "" });
    return [el("label", { for: id }, label), i] as const;
  };
  const [fromLabel, fromInput] = input("indicators-from", m.indicatorsFrom, from);
  const [untilLabel, untilInput] = input("indicators-until", m.indicatorsUntil, until);
  const csv = el("button", { type: "button", class: "indicators-csv" }, m.indicatorsCsv);
  csv.onclick = () => onCsv(fromInput.value, untilInput.value);
  const form = el(
    "form",
    { class: "indicators-period" },
    fromLabel,
    fromInput,
    untilLabel,
    untilInput,
    el("button", { type: "submit", class: "primary" }, m.indicatorsShow),
    csv,
  );
  form.onsubmit = (e) => {
    e.preventDefault();
    onShow(fromInput.value, untilInput.value);
  };
  return form;
}
