// True while the window is phone-sized (at most 768 px wide): pages show cards, not tables.
import { onBeforeUnmount, ref } from "vue";

export function useNarrow() {
  const query = window.matchMedia("(max-width: 768px)");
  const narrow = ref(query.matches);
  const update = (event) => {
    narrow.value = event.matches;
  };
  query.addEventListener("change", update);
  onBeforeUnmount(() => query.removeEventListener("change", update));
  return narrow;
}
