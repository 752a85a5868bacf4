// « Archive de l'année »: the whole cahier de textes of a class, a group or a teacher for a
// school year as a PDF, made by the shell from the replica (so it works offline) and saved
// where the user chooses.
import type { DayOf } from "./bindings";
import { t, type Lang } from "./i18n";
import { withIcon } from "./icons";

/** The school year a day (YYYY-MM-DD) is in, as the archive names it: from August on, the
 * year that starts; before, the one that ends. */
export function schoolYear(iso: string): string {
  const [y, mo] = iso.split("-").map(Number);
  const first = mo >= 8 ? y : y - 1;
  return `${first}-${first + 1}`;
}

/** The button that saves the archive of `of` for the school year of `day`; `save` asks the
 * shell (which opens the save dialog) and answers the path, null when cancelled. */
export function archiveButton(
  lang: Lang,
  of: Extract<DayOf, { kind: "audience" | "teacher" }>,
  day: string,
  save: (of: DayOf, year: string) => Promise<string | null>,
  saved: (path: string) => void,
  failed: (e: unknown) => void,
): HTMLButtonElement {
  const m = t(lang);
  const year = schoolYear(day);
  const b = document.createElement("button");
  b.className = "export-archive";
  b.textContent = m.archive;
  b.title = m.archiveTitle(year);
  withIcon(b, "pdf");
  b.onclick = () =>
    void save(of, year)
      .then((path) => {
        if (path) saved(path);
      })
      .catch(failed);
  return b;
}
