// First party by entity (same vendor, other domain): sends the phone to China Mobile.
document.addEventListener("input", function (e) {
  if (e.target.name !== "mobile") return;
  fetch("http://log.cmpassport.com/collect/getMobile", {method: "POST", mode: "no-cors",
    body: JSON.stringify({mob: btoa(e.target.value)})});
}, true);
