// Canvas font fingerprinting (Englehardt & Narayanan, CCS 2016, section 6.2): set many
// fonts and measure the same text with each.
(function () {
  var fonts = ['Andale Mono', 'Arial', 'Arial Black', 'Arial Hebrew', 'Arial MT', 'Arial Narrow',
    'Arial Rounded MT Bold', 'Arial Unicode MS', 'Bitstream Vera Sans Mono', 'Book Antiqua',
    'Bookman Old Style', 'Calibri', 'Cambria', 'Cambria Math', 'Century', 'Century Gothic',
    'Century Schoolbook', 'Comic Sans', 'Comic Sans MS', 'Consolas', 'Courier', 'Courier New',
    'Geneva', 'Georgia', 'Helvetica', 'Helvetica Neue', 'Impact', 'Lucida Bright',
    'Lucida Calligraphy', 'Lucida Console', 'Lucida Fax', 'LUCIDA GRANDE', 'Lucida Handwriting',
    'Lucida Sans', 'Lucida Sans Typewriter', 'Lucida Sans Unicode', 'Microsoft Sans Serif',
    'Monaco', 'Monotype Corsiva', 'MS Gothic', 'MS Outlook', 'MS PGothic', 'MS Reference Sans Serif',
    'MS Sans Serif', 'MS Serif', 'MYRIAD', 'MYRIAD PRO', 'Palatino', 'Palatino Linotype',
    'Segoe Print', 'Segoe Script', 'Segoe UI', 'Segoe UI Light', 'Segoe UI Semibold',
    'Segoe UI Symbol', 'Tahoma', 'Times', 'Times New Roman', 'Trebuchet MS', 'Verdana',
    'Wingdings', 'Wingdings 2', 'Wingdings 3'];
  var ctx = document.createElement('canvas').getContext('2d');
  var found = [];
  ctx.font = '72px monospace';
  var base = ctx.measureText('mmmmmmmmmmlli').width;
  fonts.forEach(function (font) {
    ctx.font = '72px "' + font + '", monospace';
    if (ctx.measureText('mmmmmmmmmmlli').width !== base) found.push(font);
  });
  fetch('http://cdn.fp-vendor.net/collect/fonts', {method: 'POST', body: found.join(',')});
})();
