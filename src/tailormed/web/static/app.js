// tailormed web app: small enhancements on server-rendered pages.
"use strict";

// What-if: recompute a risk as its sliders and switches change (the server runs the same equation).
function whatIf(form) {
  const result = form.querySelector(".whatif-result");
  let timer = null;
  const send = async () => {
    const values = {};
    for (const input of form.querySelectorAll("input[name]")) {
      values[input.name] = input.type === "checkbox" ? input.checked : Number(input.value);
    }
    const response = await fetch(form.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify({ risk: form.dataset.risk, values: values }),
    });
    const answer = await response.json();
    result.textContent = response.ok ? answer.text : (answer.detail || "The risk could not be recomputed.");
    form.dataset.after = response.ok && answer.after !== null ? String(answer.after) : "";
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(send, 150); };
  for (const input of form.querySelectorAll("input[type=range]")) {
    const shown = document.getElementById(input.id + "-out");
    input.addEventListener("input", () => { if (shown) shown.textContent = input.value; later(); });
  }
  for (const input of form.querySelectorAll("input[type=checkbox]")) input.addEventListener("change", later);
  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.whatif")) whatIf(form);
});

// My priorities: save the weights as the sliders move and show the decisions ranked again.
function priorities(form) {
  const status = form.querySelector(".priorities-status");
  const target = document.getElementById("decisions");
  let timer = null;
  const send = async () => {
    const weights = {};
    for (const input of form.querySelectorAll("input[type=range]")) weights[input.name] = Number(input.value);
    const response = await fetch(form.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify({ weights: weights }),
    });
    const answer = await response.json();
    if (response.ok) {
      target.innerHTML = answer.html;
      status.textContent = "Saved. Your choices are ranked again below.";
    } else {
      status.textContent = answer.detail || "Your priorities could not be saved.";
    }
  };
  for (const input of form.querySelectorAll("input[type=range]")) {
    const shown = document.getElementById(input.id + "-out");
    input.addEventListener("input", () => {
      if (shown) shown.textContent = input.value;
      clearTimeout(timer);
      timer = setTimeout(send, 250);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.priorities")) priorities(form);
});
