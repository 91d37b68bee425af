// The preview's notice that a new step library makes every host step run once more (components/deployed.ts).
import { stepLibraryNotice } from "../../components/deployed";

describe("stepLibraryNotice", () => {
  test("says nothing on a first up or when the version stays", () => {
    expect(stepLibraryNotice(false, undefined, "aaaaaaaaaaaa")).toBeUndefined();
    expect(stepLibraryNotice(true, "aaaaaaaaaaaa", "aaaaaaaaaaaa")).toBeUndefined();
  });

  test("names both versions when the library changes, and that every step runs once more", () => {
    const notice = stepLibraryNotice(true, "aaaaaaaaaaaa", "bbbbbbbbbbbb");
    expect(notice).toContain("aaaaaaaaaaaa -> bbbbbbbbbbbb");
    expect(notice).toContain("every host step runs once more");
  });

  test("on a stack whose last up recorded no version, says what happens if that release had no library", () => {
    expect(stepLibraryNotice(true, undefined, "bbbbbbbbbbbb")).toMatch(/recorded no step library version.*every host step runs once more/);
  });
});
