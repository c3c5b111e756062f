// Catch an empty or negative score before posting; the server checks the full range again,
// this only saves a round trip.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.grade-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    const score = Number(form.querySelector("[name=score]").value);
    if (Number.isNaN(score) || score < 0) {
      event.preventDefault();
      window.alert("Enter a score of at least 0.");
    }
  });
});
