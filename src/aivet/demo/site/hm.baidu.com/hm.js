/* aivet demo: a small stand-in for Baidu Tongji's hm.js (not Baidu's code). Like the
   real tag it reads the site id from its own URL, sets the Hm_lvt_/Hm_lpvt_ cookies on
   the page's site and sends the page view as an image beacon to hm.baidu.com/hm.gif. */
(function(){var w=window,d=document,n=navigator,s=w.screen||{},P="http://hm.baidu.com/hm.gif";
var c=d.currentScript,m=/[?&]?([0-9a-f]{32})/.exec(c&&c.src||""),si=m?m[1]:"";
if(!si)return;var h=w._hmt=w._hmt||[];
function g(k){var r=new RegExp("(^| )"+k+"=([^;]*)(;|$)").exec(d.cookie);return r?decodeURIComponent(r[2]):""}
function k(k,v,e){d.cookie=k+"="+encodeURIComponent(v)+"; path=/"+(e?"; expires="+new Date(e).toUTCString():"")}
var t=Math.round(+new Date/1e3),lv=g("Hm_lvt_"+si),vs=lv?lv.split(","):[];vs.push(String(t));
vs=vs.slice(-4);k("Hm_lvt_"+si,vs.join(","),+new Date+31536e6);k("Hm_lpvt_"+si,String(t));
function q(o){var a=[];for(var x in o)if(o.hasOwnProperty(x))a.push(x+"="+encodeURIComponent(o[x]));return a.join("&")}
function b(extra){var o={cc:n.cookieEnabled?1:0,ck:1,cl:(s.colorDepth||0)+"-bit",ds:s.width+"x"+s.height,
vl:w.innerHeight||0,ep:"",et:0,ja:0,ln:(n.language||"").toLowerCase(),lo:0,lt:vs[0],rnd:Math.round(Math.random()*2147483647),
si:si,su:d.referrer,v:"1.3.2",lv:lv?2:1,sn:t%65535,r:0,ww:w.innerWidth||0,u:location.href,tt:d.title};
for(var x in extra)o[x]=extra[x];var i=new Image(1,1);i.src=P+"?"+q(o);(w.__hm_img=w.__hm_img||[]).push(i)}
b({});h.push=function(a){if(a&&a[0]==="_trackEvent")b({et:4,ep:a.slice(1).join("*")});return Array.prototype.push.call(h,a)}})();
