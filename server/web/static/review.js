// The review queue by keyboard: 1-9 toggle attributes, p/u/n set the sentiment,
// a accepts, f saves the fix, s skips. Keys typed into a field are left alone.
(function () {
  const form = document.getElementById("review");
  if (!form) return;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target instanceof HTMLElement && event.target.matches("input[type=text], textarea")) return;
    const key = event.key.toLowerCase();
    const box = form.querySelector(`input[type=checkbox][data-key="${key}"]`);
    const radio = form.querySelector(`input[type=radio][data-key="${key}"]`);
    const button = form.querySelector(`button[data-key="${key}"]`);
    if (box) box.checked = !box.checked;
    else if (radio) radio.checked = true;
    else if (button) form.requestSubmit(button);
    else return;
    event.preventDefault();
  });
  form.dataset.keys = "ready"; // keys pressed before this script ran are the browser's alone
})();
