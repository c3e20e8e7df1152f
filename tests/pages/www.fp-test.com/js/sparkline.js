// A small chart drawn on a canvas, with labels, never read back.
(function () {
  var canvas = document.createElement('canvas');
  canvas.width = 300;
  canvas.height = 80;
  document.body.appendChild(canvas);
  var ctx = canvas.getContext('2d');
  var data = [3, 7, 4, 9, 6, 11, 8];
  ctx.save();
  ctx.strokeStyle = '#36c';
  ctx.beginPath();
  data.forEach(function (v, i) { ctx.lineTo(20 + i * 40, 70 - v * 5); });
  ctx.stroke();
  ctx.restore();
  ctx.fillStyle = '#333';
  ctx.font = '12px sans-serif';
  ctx.fillText('Weekly active users (thousands)', 20, 12);
  ctx.fillStyle = '#36c';
  ctx.fillText('peak: 11', 230, 12);
})();
