// ECharts options of the compliance dashboard; colours and labels from GET /vocabularies.
function name(choice, lang) {
  return lang === "en" ? choice.label_en : choice.label_zh;
}

/** Rooms per verdict as a ring. */
export function verdictPie(report, verdicts, lang) {
  const data = verdicts.map((v) => ({ name: name(v, lang), value: report.counts[v.value] || 0,
    itemStyle: { color: v.colour } }));
  return {
    tooltip: { trigger: "item" },
    legend: { bottom: 0, type: "scroll" },
    series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data,
      label: { formatter: "{c}" } }],
  };
}

function stacked(categories, verdicts, lang, countOf) {
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { bottom: 0, type: "scroll" },
    grid: { left: 36, right: 12, top: 12, bottom: 40, containLabel: true },
    xAxis: { type: "category", data: categories,
      axisLabel: { interval: 0, rotate: categories.length > 6 ? 45 : 0, fontSize: 11 } },
    yAxis: { type: "value", minInterval: 1 },
    series: verdicts.map((v) => ({ type: "bar", stack: "rooms", name: name(v, lang),
      itemStyle: { color: v.colour }, data: categories.map((c) => countOf(c, v.value)) })),
  };
}

/** Rooms per verdict in each department (the rectification plan's counts). */
export function departmentBars(plan, verdicts, lang) {
  const byName = Object.fromEntries(plan.departments.map((d) => [d.department, d]));
  const shown = verdicts.filter((v) => v.value !== "compliant");
  return stacked(Object.keys(byName), shown, lang,
    (department, verdict) => byName[department].verdicts[verdict] || 0);
}

/** Rooms per verdict on each storey. */
export function storeyBars(report, verdicts, lang) {
  const counts = {};
  for (const room of report.rooms) {
    const storey = room.storey || "?";
    counts[storey] = counts[storey] || {};
    counts[storey][room.verdict] = (counts[storey][room.verdict] || 0) + 1;
  }
  return stacked(Object.keys(counts), verdicts, lang,
    (storey, verdict) => counts[storey][verdict] || 0);
}
