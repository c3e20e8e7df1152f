document.addEventListener("DOMContentLoaded",function(){fetch("/api/stats",{method:"POST",body:JSON.stringify({page:location.pathname})});});
