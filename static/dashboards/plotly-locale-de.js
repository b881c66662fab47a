/* German for plotly.js: month and day names, date and number format, tool-bar texts.
 * Served with the pages (no CDN). Registered before the charts are drawn; dashboard.js selects
 * it on German pages. Same shape as the locale files of plotly.js (MIT licence). */
(function () {
  "use strict";
  if (!window.Plotly || !window.Plotly.register) { return; }
  window.Plotly.register({
    moduleType: "locale",
    name: "de",
    dictionary: {
      "Autoscale": "Automatische Skalierung",
      "Box Select": "Rechteckauswahl",
      "Click to enter Colorscale title": "Klicken, um den Farbskalentitel einzugeben",
      "Click to enter Plot title": "Klicken, um den Titel des Graphen einzugeben",
      "Click to enter X axis title": "Klicken, um den Titel der X-Achse einzugeben",
      "Click to enter Y axis title": "Klicken, um den Titel der Y-Achse einzugeben",
      "Compare data on hover": "Über die Daten fahren, um sie zu vergleichen",
      "Double-click on legend to isolate one trace": "Daten isolieren durch Doppelklick in der Legende",
      "Double-click to zoom back out": "Herauszoomen durch Doppelklick",
      "Download plot as a png": "Graphen als PNG herunterladen",
      "Download plot": "Graphen herunterladen",
      "Lasso Select": "Lassoauswahl",
      "Pan": "Verschieben",
      "Produced with Plotly.js": "Erstellt mit Plotly.js",
      "Reset axes": "Achsen zurücksetzen",
      "Reset view": "Ansicht zurücksetzen",
      "Show closest data on hover": "Zeige die nächstgelegenen Daten bei Überfahren",
      "Snapshot succeeded": "Snapshot erfolgreich",
      "Sorry, there was a problem downloading your snapshot!": "Beim Herunterladen des Snapshots ist ein Problem aufgetreten!",
      "Taking snapshot - this may take a few seconds": "Snapshot wird erstellt - das kann einige Sekunden dauern",
      "Toggle Spike Lines": "Bezugslinien an-/abschalten",
      "Toggle show closest data on hover": "Anzeige der nächstgelegenen Daten an-/abschalten",
      "Zoom": "Zoom",
      "Zoom in": "Hineinzoomen",
      "Zoom out": "Herauszoomen",
      "close:": "Schluss:",
      "high:": "Höchst:",
      "low:": "Tiefst:",
      "open:": "Eröffnung:",
      "trace": "Datenspur"
    },
    format: {
      days: ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
      shortDays: ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
      months: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
        "September", "Oktober", "November", "Dezember"],
      shortMonths: ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt",
        "Nov", "Dez"],
      date: "%d.%m.%Y",
      decimal: ",",
      thousands: "."
    }
  });
})();
