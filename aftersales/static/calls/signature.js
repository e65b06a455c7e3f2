// On-site page: the customer's signature drawn on a canvas becomes SVG path data ("M x y L x y …",
// in the canvas's 600×200 coordinates) in a hidden field; the parts list gets another row on demand.
// No inline scripts: the Content-Security-Policy forbids them.
(function () {
  function setupPad(canvas) {
    var input = document.getElementById(canvas.dataset.input);
    var ctx = canvas.getContext("2d");
    var parts = [];
    var drawing = false;
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";

    function point(evt) {
      var box = canvas.getBoundingClientRect();
      var x = (evt.clientX - box.left) * canvas.width / box.width;
      var y = (evt.clientY - box.top) * canvas.height / box.height;
      return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
    }
    function sync() { input.value = parts.join(" "); }

    canvas.addEventListener("pointerdown", function (evt) {
      evt.preventDefault();
      canvas.setPointerCapture(evt.pointerId);
      drawing = true;
      var p = point(evt);
      parts.push("M" + p[0] + " " + p[1]);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (evt) {
      if (!drawing) { return; }
      evt.preventDefault();
      var p = point(evt);
      parts.push("L" + p[0] + " " + p[1]);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      sync();
    });
    function stop() { if (drawing) { drawing = false; sync(); } }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    var clear = document.querySelector('[data-signature-clear="' + canvas.id + '"]');
    if (clear) {
      clear.addEventListener("click", function () {
        parts = [];
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        sync();
      });
    }
  }

  document.querySelectorAll("canvas.signature-pad").forEach(setupPad);

  var add = document.getElementById("add-part");
  var template = document.getElementById("part-row-template");
  var rows = document.getElementById("part-rows");
  if (add && template && rows) {
    add.addEventListener("click", function () {
      rows.appendChild(template.content.cloneNode(true));
    });
  }
})();
