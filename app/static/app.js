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

// The course form offers a few blank category rows; with a script, "Add a category" appends
// more: a copy of the last row with the next index in its names, ids and labels.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("fieldset.weights button.add-row");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    const rows = button.parentElement.querySelectorAll(".weight-row");
    const last = rows[rows.length - 1];
    const row = last.cloneNode(true);
    const index = rows.length;
    const renumber = (value) => value.replace(/-\d+-/, `-${index}-`);
    row.querySelectorAll("input").forEach((input) => {
      input.name = renumber(input.name);
      input.id = renumber(input.id);
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
    row.querySelectorAll("label").forEach((label) => {
      label.htmlFor = renumber(label.htmlFor);
      label.textContent = label.textContent.replace(/\d+$/, String(index + 1));
    });
    row.querySelectorAll(".error").forEach((error) => error.remove());
    last.after(row);
    row.querySelector("input").focus();
  });
});
