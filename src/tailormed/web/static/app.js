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

// Genome upload with a progress bar: the file goes as the raw request body, as the REST API takes it.
function upload(box) {
  const input = box.querySelector("input[type=file]");
  const bar = box.querySelector("progress");
  const status = box.querySelector(".upload-status");
  box.querySelector(".upload-start").addEventListener("click", () => {
    const file = input.files[0];
    if (!file) { status.textContent = "Choose a file first."; return; }
    const request = new XMLHttpRequest();
    request.open("POST", box.dataset.url + "?filename=" + encodeURIComponent(file.name));
    request.setRequestHeader("X-CSRF-Token", box.dataset.csrf);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        bar.value = Math.round((event.loaded / event.total) * 100);
        status.textContent = "Uploading: " + bar.value + "%";
      }
    });
    request.addEventListener("load", () => {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = {}; }
      if (request.status === 201) {
        bar.value = 100;
        status.textContent = "Uploaded and checked: " + answer.filename + ". Run the analysis to use it.";
      } else {
        const where = [answer.source, answer.location].filter(Boolean).join(", ");
        status.textContent = "Not accepted: " + (where ? where + ": " : "") + (answer.detail || request.statusText);
      }
      box.dataset.done = String(request.status);
    });
    request.send(file);
  });
}

// An analysis page follows the job until it ends, then offers the plan.
function follow(box) {
  const bar = box.querySelector("progress");
  const status = box.querySelector(".analysis-status");
  const poll = async () => {
    const response = await fetch(box.dataset.url, { credentials: "same-origin" });
    const job = await response.json();
    bar.value = job.progress;
    bar.textContent = job.progress + "%";
    const error = job.error ? ": " + (job.error.detail || JSON.stringify(job.error)) : "";
    status.textContent = "Status: " + job.status + (job.stage ? " (" + job.stage + ")" : "") + error;
    box.dataset.status = job.status;
    if (job.status === "queued" || job.status === "running") setTimeout(poll, 1000);
  };
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  for (const box of document.querySelectorAll(".card.upload")) upload(box);
  for (const box of document.querySelectorAll(".card.analysis")) follow(box);
});
