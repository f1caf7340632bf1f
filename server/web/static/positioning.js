// The positioning editor's running total (the server checks it again on save).
(function () {
  "use strict";
  const inputs = Array.from(document.querySelectorAll("input.weight"));
  const total = document.getElementById("weight-total");
  if (!total) return;
  function update() {
    const sum = inputs.reduce((acc, input) => acc + (parseFloat(input.value.replace(",", ".")) || 0), 0);
    const rounded = Math.round(sum * 100) / 100;
    total.textContent = `${rounded} %` + (Math.abs(rounded - 100) > 0.05 ? " (must be 100 %)" : " ✓");
    total.classList.toggle("error", Math.abs(rounded - 100) > 0.05);
  }
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
})();
