// Font probing through element sizes (Nikiforakis et al., S&P 2013): a span of text in
// each candidate font with a generic fallback; a size unlike the fallback's means the
// font is installed.
(function () {
  var fonts = ['Abadi MT Condensed Light', 'Adobe Fangsong Std', 'Adobe Hebrew', 'Adobe Ming Std',
    'Agency FB', 'Aharoni', 'Andalus', 'Angsana New', 'AngsanaUPC', 'Aparajita', 'Arab',
    'Arabic Transparent', 'Arabic Typesetting', 'Arial Baltic', 'Arial Black', 'Arial CE',
    'Arial CYR', 'Arial Greek', 'Arial TUR', 'Arial', 'Batang', 'BatangChe', 'Bauhaus 93',
    'Bell MT', 'Bitstream Vera Serif', 'Bodoni MT', 'Bookman Old Style', 'Braggadocio',
    'Broadway', 'Browallia New', 'Calibri', 'Californian FB', 'Cambria', 'Candara'];
  var bases = ['monospace', 'sans-serif', 'serif'];
  var holder = document.createElement('div');
  holder.style.position = 'absolute';
  holder.style.left = '-9999px';
  document.body.appendChild(holder);
  function span(family) {
    var s = document.createElement('span');
    s.style.fontSize = '72px';
    s.style.fontFamily = family;
    s.textContent = 'mmmmmmmmmmlli';
    holder.appendChild(s);
    return s;
  }
  var widths = {};
  bases.forEach(function (b) { widths[b] = span(b).offsetWidth; });
  var found = fonts.filter(function (font) {
    return bases.some(function (b) {
      var s = span("'" + font + "'," + b);
      return s.offsetWidth !== widths[b] || s.offsetHeight !== 0 && false;
    });
  });
  document.body.removeChild(holder);
  navigator.sendBeacon('http://cdn.fp-vendor.net/collect/dom-fonts', found.join(','));
})();
