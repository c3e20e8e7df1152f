"""Which browser properties identify a browser, and how much: the enumeration score's data.

Weight 2 marks the properties that Eckersley (PETS 2010) and Laperdrix et al.
(IEEE S&P 2016, AmIUnique) measured as carrying the most identifying entropy
(plugins and MIME types, fonts, time zone, screen, user agent details, hardware),
plus device-revealing APIs added since (devices, battery, high-entropy client
hints, voices). Everything else that fingerprinting libraries read weighs 1.
Media queries count once per distinct feature and permissions once per name.
"""

from __future__ import annotations

import re

# API (as the instrumentation names it) → (property key, weight).
SURFACE: dict[str, tuple[str, int]] = {
    "Navigator.userAgent": ("navigator.userAgent", 1),
    "Navigator.appVersion": ("navigator.appVersion", 1),
    "Navigator.appName": ("navigator.appName", 1),
    "Navigator.appCodeName": ("navigator.appCodeName", 1),
    "Navigator.platform": ("navigator.platform", 1),
    "Navigator.vendor": ("navigator.vendor", 1),
    "Navigator.vendorSub": ("navigator.vendorSub", 1),
    "Navigator.product": ("navigator.product", 1),
    "Navigator.productSub": ("navigator.productSub", 1),
    "Navigator.language": ("navigator.language", 1),
    "Navigator.languages": ("navigator.languages", 1),
    "Navigator.hardwareConcurrency": ("navigator.hardwareConcurrency", 2),
    "Navigator.deviceMemory": ("navigator.deviceMemory", 2),
    "Navigator.maxTouchPoints": ("navigator.maxTouchPoints", 1),
    "Navigator.cookieEnabled": ("navigator.cookieEnabled", 1),
    "Navigator.doNotTrack": ("navigator.doNotTrack", 1),
    "Navigator.plugins": ("navigator.plugins", 2),
    "Navigator.mimeTypes": ("navigator.mimeTypes", 2),
    "Navigator.pdfViewerEnabled": ("navigator.pdfViewerEnabled", 1),
    "Navigator.webdriver": ("navigator.webdriver", 1),
    "Navigator.userAgentData": ("navigator.userAgentData", 1),
    "Navigator.connection": ("navigator.connection", 1),
    "Navigator.oscpu": ("navigator.oscpu", 1),
    "Navigator.cpuClass": ("navigator.cpuClass", 1),
    "Navigator.buildID": ("navigator.buildID", 1),
    "Navigator.keyboard": ("navigator.keyboard", 1),
    "Navigator.globalPrivacyControl": ("navigator.globalPrivacyControl", 1),
    "Navigator.getBattery": ("navigator.getBattery", 2),
    "Navigator.javaEnabled": ("navigator.javaEnabled", 1),
    "Navigator.getGamepads": ("navigator.getGamepads", 1),
    "Navigator.requestMediaKeySystemAccess": ("navigator.requestMediaKeySystemAccess", 1),
    "NavigatorUAData.getHighEntropyValues": ("userAgentData.getHighEntropyValues", 2),
    "NavigatorUAData.brands": ("userAgentData.brands", 1),
    "NavigatorUAData.mobile": ("userAgentData.mobile", 1),
    "NavigatorUAData.platform": ("userAgentData.platform", 1),
    "MediaDevices.enumerateDevices": ("mediaDevices.enumerateDevices", 2),
    "SpeechSynthesis.getVoices": ("speechSynthesis.getVoices", 2),
    "Screen.width": ("screen.width", 1),
    "Screen.height": ("screen.height", 1),
    "Screen.availWidth": ("screen.availWidth", 1),
    "Screen.availHeight": ("screen.availHeight", 1),
    "Screen.availLeft": ("screen.availLeft", 1),
    "Screen.availTop": ("screen.availTop", 1),
    "Screen.colorDepth": ("screen.colorDepth", 1),
    "Screen.pixelDepth": ("screen.pixelDepth", 1),
    "Screen.orientation": ("screen.orientation", 1),
    "Screen.isExtended": ("screen.isExtended", 1),
    "Window.devicePixelRatio": ("window.devicePixelRatio", 1),
    "Window.outerWidth": ("window.outerWidth", 1),
    "Window.outerHeight": ("window.outerHeight", 1),
    "Window.screenX": ("window.screenX", 1),
    "Window.screenY": ("window.screenY", 1),
    "Window.localStorage": ("window.localStorage", 1),
    "Window.sessionStorage": ("window.sessionStorage", 1),
    "Window.indexedDB": ("window.indexedDB", 1),
    "Intl.DateTimeFormat.resolvedOptions": ("time zone (Intl)", 2),
    "Intl.NumberFormat.resolvedOptions": ("Intl.NumberFormat", 1),
    "Intl.Collator.resolvedOptions": ("Intl.Collator", 1),
    "Intl.PluralRules.resolvedOptions": ("Intl.PluralRules", 1),
    "Intl.RelativeTimeFormat.resolvedOptions": ("Intl.RelativeTimeFormat", 1),
    "Intl.ListFormat.resolvedOptions": ("Intl.ListFormat", 1),
    "Intl.DisplayNames.resolvedOptions": ("Intl.DisplayNames", 1),
    "Date.getTimezoneOffset": ("time zone offset", 1),
    "AudioContext.baseLatency": ("audio base latency", 1),
    "RTCSessionDescription.sdp": ("WebRTC session description", 1),
    "CanvasRenderingContext2D.isPointInPath": ("canvas winding", 1),
    "WebGLRenderingContext.getSupportedExtensions": ("webgl:extensions", 1),
    "WebGL2RenderingContext.getSupportedExtensions": ("webgl:extensions", 1),
    "WebGLRenderingContext.getShaderPrecisionFormat": ("webgl:shader precision", 1),
    "WebGL2RenderingContext.getShaderPrecisionFormat": ("webgl:shader precision", 1),
    "WebGLRenderingContext.getContextAttributes": ("webgl:context attributes", 1),
    "WebGL2RenderingContext.getContextAttributes": ("webgl:context attributes", 1),
}

_FEATURE = re.compile(r"\(\s*(?:min-|max-)?([a-z-]+)\s*[:)]", re.I)


def media_feature(query: str) -> str | None:
    """`(prefers-color-scheme: dark)` → `prefers-color-scheme`; None without a feature."""
    match = _FEATURE.search(query)
    return match.group(1).lower() if match else None
