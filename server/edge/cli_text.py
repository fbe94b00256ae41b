"""The ``cybercollege`` command's help in the user's language: French by default, else the language of
``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` (the first one set to a real locale; ``C`` and ``POSIX`` say
nothing) if it is one of the five (fr, en, de, es, it).

The parsers are written in English; :func:`localise` replaces each help text with its translation from
:data:`TEXTS` (keyed by the English text, as gettext does), and :func:`argparse_language` makes argparse's own
strings ("usage:", "options", its error messages) speak the same language.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Mapping

LANGUAGES = ("fr", "en", "de", "es", "it")
DEFAULT = "fr"
_NOT_A_LANGUAGE = ("", "c", "posix")


def language(environ: Mapping[str, str] | None = None) -> str:
    """The user's language from the locale variables, French when none is one of ours."""
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").split(":")[0].strip()
        code = value.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
        if code not in _NOT_A_LANGUAGE:
            return code if code in LANGUAGES else DEFAULT
    return DEFAULT


def translate(text: str, lang: str) -> str:
    """``text`` (English) in ``lang``; English when it has no translation."""
    if lang == "en":
        return text
    return TEXTS.get(text, {}).get(lang, text)


@contextlib.contextmanager
def argparse_language(lang: str) -> Iterator[None]:
    """While inside, argparse's own strings are in ``lang`` (it looks its ``_`` and ``ngettext`` up at each use)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]

    def gettext(text: str | None) -> str | None:
        return None if text is None else translate(text, lang)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return translate(singular if n == 1 else plural, lang)

    argparse._, argparse.ngettext = gettext, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def localise(parser: argparse.ArgumentParser, lang: str, settings_help: Mapping[str, tuple[str, str]]) -> None:
    """Translate ``parser``'s help texts, its subcommands' too. ``settings_help`` gives each ``serve`` option
    (by dest) its environment variable and default: the long descriptions are English (docs/configuration.md),
    so in another language an option says where it is described instead."""
    if parser.description:
        parser.description = translate(parser.description, lang)
    for action in parser._actions:
        if action.dest in settings_help and lang != "en":
            env, default = settings_help[action.dest]
            shown = translate(", default: {value}", lang).format(value=default) if default else ""
            action.help = translate("{env}{default}; described in docs/configuration.md", lang).format(
                env=env, default=shown
            ).replace("%", "%%")
        elif action.help and action.help != argparse.SUPPRESS:
            action.help = translate(action.help, lang)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = translate(choice.help, lang) if choice.help else choice.help
                child = action.choices[choice.dest]
                child.description = child.description or choice.help  # ``cybercollege serve --help`` says it
            for child in action.choices.values():
                localise(child, lang, settings_help)


TEXTS: dict[str, dict[str, str]] = {
    # --- argparse's own strings (Python 3.11's msgids) ---
    "usage: ": {"fr": "utilisation : ", "de": "Aufruf: ", "es": "uso: ", "it": "uso: "},
    "positional arguments": {
        "fr": "arguments", "de": "Argumente", "es": "argumentos", "it": "argomenti",
    },
    "options": {"fr": "options", "de": "Optionen", "es": "opciones", "it": "opzioni"},
    "show this help message and exit": {
        "fr": "afficher cette aide et quitter", "de": "diese Hilfe anzeigen und beenden",
        "es": "mostrar esta ayuda y salir", "it": "mostra questo aiuto ed esci",
    },
    "%(prog)s: error: %(message)s\n": {
        "fr": "%(prog)s : erreur : %(message)s\n", "de": "%(prog)s: Fehler: %(message)s\n",
        "es": "%(prog)s: error: %(message)s\n", "it": "%(prog)s: errore: %(message)s\n",
    },
    "the following arguments are required: %s": {
        "fr": "il manque ces arguments : %s", "de": "diese Argumente fehlen: %s",
        "es": "faltan estos argumentos: %s", "it": "mancano questi argomenti: %s",
    },
    "unrecognized arguments: %s": {
        "fr": "arguments inconnus : %s", "de": "unbekannte Argumente: %s",
        "es": "argumentos desconocidos: %s", "it": "argomenti sconosciuti: %s",
    },
    "invalid choice: %(value)r (choose from %(choices)s)": {
        "fr": "choix impossible : %(value)r (au choix : %(choices)s)",
        "de": "ungültige Auswahl: %(value)r (möglich: %(choices)s)",
        "es": "opción no válida: %(value)r (elige entre %(choices)s)",
        "it": "scelta non valida: %(value)r (scegli tra %(choices)s)",
    },
    "argument %(argument_name)s: %(message)s": {
        "fr": "argument %(argument_name)s : %(message)s", "de": "Argument %(argument_name)s: %(message)s",
        "es": "argumento %(argument_name)s: %(message)s", "it": "argomento %(argument_name)s: %(message)s",
    },
    "expected one argument": {
        "fr": "une valeur attendue", "de": "ein Wert erwartet", "es": "se esperaba un valor", "it": "atteso un valore",
    },
    "expected at most one argument": {
        "fr": "une valeur au plus", "de": "höchstens ein Wert erwartet",
        "es": "se esperaba un valor como máximo", "it": "atteso al massimo un valore",
    },
    "expected at least one argument": {
        "fr": "au moins une valeur attendue", "de": "mindestens ein Wert erwartet",
        "es": "se esperaba al menos un valor", "it": "atteso almeno un valore",
    },
    "expected %s argument": {
        "fr": "%s valeur attendue", "de": "%s Wert erwartet", "es": "se esperaba %s valor", "it": "atteso %s valore",
    },
    "expected %s arguments": {
        "fr": "%s valeurs attendues", "de": "%s Werte erwartet", "es": "se esperaban %s valores",
        "it": "attesi %s valori",
    },
    "invalid %(type)s value: %(value)r": {
        "fr": "valeur %(type)s impossible : %(value)r", "de": "ungültiger %(type)s-Wert: %(value)r",
        "es": "valor %(type)s no válido: %(value)r", "it": "valore %(type)s non valido: %(value)r",
    },
    "ambiguous option: %(option)s could match %(matches)s": {
        "fr": "option ambiguë : %(option)s peut être %(matches)s",
        "de": "mehrdeutige Option: %(option)s passt zu %(matches)s",
        "es": "opción ambigua: %(option)s puede ser %(matches)s",
        "it": "opzione ambigua: %(option)s può essere %(matches)s",
    },
    "not allowed with argument %s": {
        "fr": "impossible avec l'argument %s", "de": "nicht erlaubt mit dem Argument %s",
        "es": "no permitido con el argumento %s", "it": "non consentito con l'argomento %s",
    },
    "ignored explicit argument %r": {
        "fr": "argument explicite ignoré : %r", "de": "ignoriertes explizites Argument %r",
        "es": "argumento explícito ignorado: %r", "it": "argomento esplicito ignorato: %r",
    },
    "one of the arguments %s is required": {
        "fr": "l'un des arguments %s est obligatoire", "de": "eines der Argumente %s ist erforderlich",
        "es": "se necesita uno de los argumentos %s", "it": "è necessario uno degli argomenti %s",
    },
    # --- the serve options (their descriptions are in docs/configuration.md) ---
    ", default: {value}": {
        "fr": ", par défaut : {value}", "de": ", Standard: {value}", "es": ", por defecto: {value}",
        "it": ", predefinito: {value}",
    },
    "{env}{default}; described in docs/configuration.md": {
        "fr": "{env}{default} ; décrite dans docs/configuration.md",
        "de": "{env}{default}; beschrieben in docs/configuration.md",
        "es": "{env}{default}; descrita en docs/configuration.md",
        "it": "{env}{default}; descritta in docs/configuration.md",
    },
    # --- cybercollege and its subcommands ---
    "Cybercollège: the virtual college server": {
        "fr": "Cybercollège : le serveur du collège virtuel", "de": "Cybercollège: der Server der virtuellen Schule",
        "es": "Cybercollège: el servidor del colegio virtual", "it": "Cybercollège: il server della scuola virtuale",
    },
    "run the world server (embedded defaults: SQLite, the college, demo users)": {
        "fr": "lancer le serveur du collège (réglages intégrés : SQLite, le collège, les comptes de démonstration)",
        "de": "den Server starten (eingebaute Vorgaben: SQLite, die Schule, Demo-Konten)",
        "es": "iniciar el servidor (valores integrados: SQLite, el colegio, cuentas de demostración)",
        "it": "avvia il server (valori integrati: SQLite, la scuola, account dimostrativi)",
    },
    "world files": {"fr": "fichiers du monde", "de": "Weltdateien", "es": "archivos del mundo", "it": "file del mondo"},
    "validate a world directory or file": {
        "fr": "vérifier un dossier ou un fichier de monde", "de": "einen Weltordner oder eine Weltdatei prüfen",
        "es": "comprobar una carpeta o un archivo de mundo", "it": "controlla una cartella o un file del mondo",
    },
    "run the Panda3D desktop client": {
        "fr": "lancer le client de bureau Panda3D", "de": "den Panda3D-Desktop-Client starten",
        "es": "iniciar el cliente de escritorio Panda3D", "it": "avvia il client desktop Panda3D",
    },
    "client arguments (see cybercollege client --help)": {
        "fr": "arguments du client (voir cybercollege client --help)",
        "de": "Argumente des Clients (siehe cybercollege client --help)",
        "es": "argumentos del cliente (ver cybercollege client --help)",
        "it": "argomenti del client (vedi cybercollege client --help)",
    },
    "scripted demo pupils who walk the college (from a checkout: benchmarks/bot.py)": {
        "fr": "des élèves de démonstration qui se promènent dans le collège (depuis un dépôt : benchmarks/bot.py)",
        "de": "Demo-Schüler·innen, die durch die Schule laufen (aus einem Checkout: benchmarks/bot.py)",
        "es": "alumnos de demostración que pasean por el colegio (desde un checkout: benchmarks/bot.py)",
        "it": "alunni dimostrativi che girano per la scuola (da un checkout: benchmarks/bot.py)",
    },
    "bot arguments (see cybercollege bot --help)": {
        "fr": "arguments des bots (voir cybercollege bot --help)",
        "de": "Argumente der Bots (siehe cybercollege bot --help)",
        "es": "argumentos de los bots (ver cybercollege bot --help)",
        "it": "argomenti dei bot (vedi cybercollege bot --help)",
    },
    "the bots are not installed with the product: run them from a checkout of the repository": {
        "fr": "les bots ne sont pas installés avec le produit : lancez-les depuis un dépôt du projet",
        "de": "die Bots werden nicht mit dem Produkt installiert: Starten Sie sie aus einem Checkout des Projekts",
        "es": "los bots no se instalan con el producto: lánzalos desde un checkout del repositorio",
        "it": "i bot non sono installati con il prodotto: avviali da un checkout del repository",
    },
    "a user's data in the database: export or erase it; disable or enable them": {
        "fr": "les données d'un utilisateur dans la base : les exporter ou les effacer ; désactiver ou réactiver "
        "son compte",
        "de": "die Daten eines Benutzers in der Datenbank: exportieren oder löschen; das Konto sperren oder freigeben",
        "es": "los datos de un usuario en la base de datos: exportarlos o borrarlos; desactivar o activar su cuenta",
        "it": "i dati di un utente nel database: esportarli o cancellarli; disattivare o riattivare l'account",
    },
    "print as JSON everything held about a user (place, chat lines, audit events, attendance...)": {
        "fr": "afficher en JSON tout ce qui est gardé sur un utilisateur (place, messages, audit, présences...)",
        "de": "als JSON ausgeben, was über einen Benutzer gespeichert ist (Platz, Chatnachrichten, Audit, "
        "Anwesenheiten...)",
        "es": "mostrar en JSON todo lo que se guarda sobre un usuario (lugar, mensajes, auditoría, asistencia...)",
        "it": "stampa in JSON tutto ciò che è conservato su un utente (posizione, messaggi, audit, presenze...)",
    },
    "erase everything held about a user; the erasure itself is audited": {
        "fr": "effacer tout ce qui est gardé sur un utilisateur ; l'effacement lui-même est audité",
        "de": "alles löschen, was über einen Benutzer gespeichert ist; die Löschung selbst wird protokolliert",
        "es": "borrar todo lo que se guarda sobre un usuario; el borrado queda registrado",
        "it": "cancella tutto ciò che è conservato su un utente; la cancellazione stessa viene registrata",
    },
    "refuse every token of a user from now on and close their connections (docs/adr/0011)": {
        "fr": "refuser désormais tous les jetons d'un utilisateur et fermer ses connexions (docs/adr/0011)",
        "de": "ab sofort alle Tokens eines Benutzers ablehnen und seine Verbindungen schließen (docs/adr/0011)",
        "es": "rechazar desde ahora todos los tokens de un usuario y cerrar sus conexiones (docs/adr/0011)",
        "it": "rifiuta da ora ogni token di un utente e chiudi le sue connessioni (docs/adr/0011)",
    },
    "let a disabled user sign in again": {
        "fr": "permettre à un utilisateur désactivé de se reconnecter",
        "de": "einem gesperrten Benutzer die Anmeldung wieder erlauben",
        "es": "permitir que un usuario desactivado vuelva a iniciar sesión",
        "it": "consenti di nuovo l'accesso a un utente disattivato",
    },
    "the user's id, as in the audit log (e.g. demo:lea.martin)": {
        "fr": "l'identifiant de l'utilisateur, comme dans le journal d'audit (p. ex. demo:lea.martin)",
        "de": "die Kennung des Benutzers wie im Audit-Protokoll (z. B. demo:lea.martin)",
        "es": "el identificador del usuario, como en el registro de auditoría (p. ej. demo:lea.martin)",
        "it": "l'identificativo dell'utente, come nel registro di audit (ad es. demo:lea.martin)",
    },
    "the server's database (default: CYBERCOLLEGE_DATABASE_URL)": {
        "fr": "la base de données du serveur (par défaut : CYBERCOLLEGE_DATABASE_URL)",
        "de": "die Datenbank des Servers (Standard: CYBERCOLLEGE_DATABASE_URL)",
        "es": "la base de datos del servidor (por defecto: CYBERCOLLEGE_DATABASE_URL)",
        "it": "il database del server (predefinito: CYBERCOLLEGE_DATABASE_URL)",
    },
    # --- cybercollege ent (server/edge/ent_commands.py) ---
    "connect an ENT: SAML keys, what to register, check, try a login": {
        "fr": "raccorder un ENT : clés SAML, ce qu'il faut déclarer, vérification, essai de connexion",
        "de": "ein ENT anbinden: SAML-Schlüssel, was zu registrieren ist, Prüfung, Test-Anmeldung",
        "es": "conectar un ENT: claves SAML, qué registrar, comprobación, prueba de acceso",
        "it": "collega un ENT: chiavi SAML, cosa registrare, verifica, prova di accesso",
    },
    "make our SAML key pair and certificate (sp.key, sp.crt)": {
        "fr": "créer notre paire de clés SAML et notre certificat (sp.key, sp.crt)",
        "de": "unser SAML-Schlüsselpaar und Zertifikat erzeugen (sp.key, sp.crt)",
        "es": "crear nuestro par de claves SAML y el certificado (sp.key, sp.crt)",
        "it": "crea la nostra coppia di chiavi SAML e il certificato (sp.key, sp.crt)",
    },
    "folder to write them in (default: ./ent)": {
        "fr": "dossier où les écrire (par défaut : ./ent)", "de": "Ordner, in den sie geschrieben werden "
        "(Standard: ./ent)", "es": "carpeta donde escribirlos (por defecto: ./ent)",
        "it": "cartella in cui scriverli (predefinita: ./ent)",
    },
    "certificate common name": {
        "fr": "nom commun (CN) du certificat", "de": "allgemeiner Name (CN) des Zertifikats",
        "es": "nombre común (CN) del certificado", "it": "nome comune (CN) del certificato",
    },
    "validity in days (default: 5 years)": {
        "fr": "validité en jours (par défaut : 5 ans)", "de": "Gültigkeit in Tagen (Standard: 5 Jahre)",
        "es": "validez en días (por defecto: 5 años)", "it": "validità in giorni (predefinita: 5 anni)",
    },
    "replace existing files (the ENT must be told)": {
        "fr": "remplacer les fichiers existants (il faut prévenir l'ENT)",
        "de": "vorhandene Dateien ersetzen (das ENT muss informiert werden)",
        "es": "sustituir los archivos existentes (hay que avisar al ENT)",
        "it": "sostituisci i file esistenti (bisogna avvisare l'ENT)",
    },
    "what to give the ENT: our SAML metadata, or the CAS / OpenID Connect URLs": {
        "fr": "ce qu'il faut donner à l'ENT : nos métadonnées SAML, ou les URL CAS / OpenID Connect",
        "de": "was das ENT braucht: unsere SAML-Metadaten oder die CAS-/OpenID-Connect-URLs",
        "es": "lo que hay que dar al ENT: nuestros metadatos SAML, o las URL de CAS / OpenID Connect",
        "it": "cosa dare all'ENT: i nostri metadati SAML, o gli URL CAS / OpenID Connect",
    },
    "check the ENT file against the live identity providers": {
        "fr": "vérifier le fichier des ENT auprès des fournisseurs d'identité en service",
        "de": "die ENT-Datei mit den laufenden Identitätsanbietern abgleichen",
        "es": "comprobar el archivo de ENT con los proveedores de identidad en servicio",
        "it": "verifica il file degli ENT con i provider di identità attivi",
    },
    "sign in once through the system browser and show the mapped identity": {
        "fr": "se connecter une fois par le navigateur du système et afficher l'identité obtenue",
        "de": "sich einmal über den Systembrowser anmelden und die ermittelte Identität anzeigen",
        "es": "iniciar sesión una vez con el navegador del sistema y mostrar la identidad obtenida",
        "it": "accedi una volta dal browser di sistema e mostra l'identità ottenuta",
    },
    "the ENT's id in the ENT file": {
        "fr": "l'identifiant de l'ENT dans le fichier des ENT", "de": "die Kennung des ENT in der ENT-Datei",
        "es": "el identificador del ENT en el archivo de ENT", "it": "l'identificativo dell'ENT nel file degli ENT",
    },
    "write to this file instead of the screen": {
        "fr": "écrire dans ce fichier plutôt qu'à l'écran", "de": "in diese Datei statt auf den Bildschirm schreiben",
        "es": "escribir en este archivo en lugar de en la pantalla", "it": "scrivi in questo file invece che sullo "
        "schermo",
    },
    "the ENT file (default: CYBERCOLLEGE_ENT_CONFIG)": {
        "fr": "le fichier des ENT (par défaut : CYBERCOLLEGE_ENT_CONFIG)",
        "de": "die ENT-Datei (Standard: CYBERCOLLEGE_ENT_CONFIG)",
        "es": "el archivo de ENT (por defecto: CYBERCOLLEGE_ENT_CONFIG)",
        "it": "il file degli ENT (predefinito: CYBERCOLLEGE_ENT_CONFIG)",
    },
    "the server's public URL (default: CYBERCOLLEGE_PUBLIC_URL)": {
        "fr": "l'URL publique du serveur (par défaut : CYBERCOLLEGE_PUBLIC_URL)",
        "de": "die öffentliche URL des Servers (Standard: CYBERCOLLEGE_PUBLIC_URL)",
        "es": "la URL pública del servidor (por defecto: CYBERCOLLEGE_PUBLIC_URL)",
        "it": "l'URL pubblico del server (predefinito: CYBERCOLLEGE_PUBLIC_URL)",
    },
    "the running server (default: CYBERCOLLEGE_PUBLIC_URL or local)": {
        "fr": "le serveur en marche (par défaut : CYBERCOLLEGE_PUBLIC_URL ou local)",
        "de": "der laufende Server (Standard: CYBERCOLLEGE_PUBLIC_URL oder lokal)",
        "es": "el servidor en marcha (por defecto: CYBERCOLLEGE_PUBLIC_URL o local)",
        "it": "il server in esecuzione (predefinito: CYBERCOLLEGE_PUBLIC_URL o locale)",
    },
}
"""Each English text of the command line (argparse's own included) in the other four languages."""


def say(template: str, lang: str | None = None, **fields: object) -> str:
    """A line a command prints: ``template`` (English, with ``{fields}``) in ``lang`` (the user's by default)."""
    return translate(template, lang or language()).format(**fields)


OUTPUT_TEXTS: dict[str, dict[str, str]] = {
    # --- cybercollege serve (and python3 dev.py run) ---
    "Cybercollège (DEMO mode: fictitious users) on {url}": {
        "fr": "Cybercollège (mode DÉMO : utilisateurs fictifs) sur {url}",
        "de": "Cybercollège (DEMO-Modus: fiktive Benutzer) auf {url}",
        "es": "Cybercollège (modo DEMO: usuarios ficticios) en {url}",
        "it": "Cybercollège (modalità DEMO: utenti fittizi) su {url}",
    },
    "Cybercollège on {url}": {
        "fr": "Cybercollège sur {url}", "de": "Cybercollège auf {url}", "es": "Cybercollège en {url}",
        "it": "Cybercollège su {url}",
    },
    "Ctrl+C stops the server (the pupils are told, then it waits for the last saves).": {
        "fr": "Ctrl+C arrête le serveur (les élèves sont prévenus, puis il attend les dernières sauvegardes).",
        "de": "Strg+C beendet den Server (die Schüler·innen werden benachrichtigt, dann wartet er auf die letzten "
              "Speicherungen).",
        "es": "Ctrl+C detiene el servidor (se avisa a los alumnos y luego espera a que se guarde lo último).",
        "it": "Ctrl+C arresta il server (gli alunni vengono avvisati, poi attende gli ultimi salvataggi).",
    },
    "option {name}: {message}": {
        "fr": "option {name} : {message}", "de": "Option {name}: {message}", "es": "opción {name}: {message}",
        "it": "opzione {name}: {message}",
    },
    "cannot start: {error}": {
        "fr": "démarrage impossible : {error}", "de": "Start nicht möglich: {error}",
        "es": "no puede arrancar: {error}", "it": "avvio impossibile: {error}",
    },
    # --- cybercollege bot ---
    "{count} bots ({first}…{last}) → {url}, {how_long}; Ctrl+C or SIGTERM: they leave at once": {
        "fr": "{count} bots ({first}…{last}) → {url}, {how_long} ; Ctrl+C ou SIGTERM : ils partent aussitôt",
        "de": "{count} Bots ({first}…{last}) → {url}, {how_long}; Strg+C oder SIGTERM: sie gehen sofort",
        "es": "{count} bots ({first}…{last}) → {url}, {how_long}; Ctrl+C o SIGTERM: se van enseguida",
        "it": "{count} bot ({first}…{last}) → {url}, {how_long}; Ctrl+C o SIGTERM: escono subito",
    },
    "for {seconds} s": {
        "fr": "pendant {seconds} s", "de": "für {seconds} s", "es": "durante {seconds} s", "it": "per {seconds} s",
    },
    "until stopped": {
        "fr": "jusqu'à l'arrêt", "de": "bis zum Beenden", "es": "hasta que se detengan", "it": "fino all'arresto",
    },
    "{elapsed} s: {connected} bots in the world, {moves} moves, {doors} doors, {said} chat lines sent, "
    "{corrections} corrections": {
        "fr": "{elapsed} s : {connected} bots dans le monde, {moves} déplacements, {doors} portes, {said} messages "
              "envoyés, {corrections} corrections",
        "de": "{elapsed} s: {connected} Bots in der Welt, {moves} Bewegungen, {doors} Türen, {said} Nachrichten "
              "gesendet, {corrections} Korrekturen",
        "es": "{elapsed} s: {connected} bots en el mundo, {moves} movimientos, {doors} puertas, {said} mensajes "
              "enviados, {corrections} correcciones",
        "it": "{elapsed} s: {connected} bot nel mondo, {moves} movimenti, {doors} porte, {said} messaggi inviati, "
              "{corrections} correzioni",
    },
    "{signal}: every bot says BYE and leaves (again to stop at once)": {
        "fr": "{signal} : chaque bot dit BYE et s'en va (encore une fois pour arrêter aussitôt)",
        "de": "{signal}: jeder Bot sagt BYE und geht (noch einmal, um sofort zu beenden)",
        "es": "{signal}: cada bot dice BYE y se va (otra vez para detener enseguida)",
        "it": "{signal}: ogni bot dice BYE ed esce (di nuovo per arrestare subito)",
    },
    "stopped by {signal}": {
        "fr": "arrêtés par {signal}", "de": "beendet durch {signal}", "es": "detenidos por {signal}",
        "it": "arrestati da {signal}",
    },
    "time is up": {"fr": "le temps est écoulé", "de": "die Zeit ist um", "es": "se acabó el tiempo",
                   "it": "il tempo è scaduto"},
    "done ({why}) after {elapsed} s: {bots} bots, {moves} moves, {doors} doors, {said} chat lines sent; {frames} "
    "frames, {bytes} bytes received; {corrections} corrections, {failed} bots failed; all have left": {
        "fr": "terminé ({why}) après {elapsed} s : {bots} bots, {moves} déplacements, {doors} portes, {said} "
              "messages envoyés ; {frames} trames, {bytes} octets reçus ; {corrections} corrections, {failed} bots "
              "en échec ; tous sont partis",
        "de": "fertig ({why}) nach {elapsed} s: {bots} Bots, {moves} Bewegungen, {doors} Türen, {said} Nachrichten "
              "gesendet; {frames} Frames, {bytes} Bytes empfangen; {corrections} Korrekturen, {failed} Bots "
              "gescheitert; alle sind gegangen",
        "es": "terminado ({why}) tras {elapsed} s: {bots} bots, {moves} movimientos, {doors} puertas, {said} "
              "mensajes enviados; {frames} tramas, {bytes} bytes recibidos; {corrections} correcciones, {failed} "
              "bots fallidos; todos se han ido",
        "it": "finito ({why}) dopo {elapsed} s: {bots} bot, {moves} movimenti, {doors} porte, {said} messaggi "
              "inviati; {frames} frame, {bytes} byte ricevuti; {corrections} correzioni, {failed} bot falliti; "
              "sono usciti tutti",
    },
    "stopped": {"fr": "arrêtés", "de": "beendet", "es": "detenidos", "it": "arrestati"},
    # --- cybercollege ent check ---
    "ok": {"fr": "ok", "de": "ok", "es": "ok", "it": "ok"},
    "warning": {"fr": "attention", "de": "Warnung", "es": "aviso", "it": "avviso"},
    "error": {"fr": "erreur", "de": "Fehler", "es": "error", "it": "errore"},
    "{count} ENT(s) checked: {errors} error(s)": {
        "fr": "{count} ENT vérifié(s) : {errors} erreur(s)", "de": "{count} ENT geprüft: {errors} Fehler",
        "es": "{count} ENT comprobado(s): {errors} error(es)", "it": "{count} ENT verificati: {errors} errori",
    },
    ", ready to try a login": {
        "fr": ", prêt pour un essai de connexion (cybercollege ent try)",
        "de": ", bereit für einen Anmeldeversuch (cybercollege ent try)",
        "es": ", listo para probar un inicio de sesión (cybercollege ent try)",
        "it": ", pronto per provare un accesso (cybercollege ent try)",
    },
    "the ENT file lists no [[ent]]: add one per ENT (docs/sso.md)": {
        "fr": "le fichier des ENT ne contient aucun [[ent]] : ajoutez-en un par ENT (docs/sso.md)",
        "de": "die ENT-Datei enthält kein [[ent]]: fügen Sie eines pro ENT hinzu (docs/sso.md)",
        "es": "el archivo de ENT no contiene ningún [[ent]]: añade uno por ENT (docs/sso.md)",
        "it": "il file degli ENT non contiene alcun [[ent]]: aggiungine uno per ENT (docs/sso.md)",
    },
    "no public URL: pass --public-url https://… (or set CYBERCOLLEGE_PUBLIC_URL)": {
        "fr": "pas d'URL publique : donnez --public-url https://… (ou CYBERCOLLEGE_PUBLIC_URL)",
        "de": "keine öffentliche URL: geben Sie --public-url https://… an (oder CYBERCOLLEGE_PUBLIC_URL)",
        "es": "no hay URL pública: indica --public-url https://… (o CYBERCOLLEGE_PUBLIC_URL)",
        "it": "nessun URL pubblico: indica --public-url https://… (o CYBERCOLLEGE_PUBLIC_URL)",
    },
    "the provider does not support PKCE S256: enable it": {
        "fr": "le fournisseur ne prend pas en charge PKCE S256 : activez-le",
        "de": "der Anbieter unterstützt PKCE S256 nicht: aktivieren Sie es",
        "es": "el proveedor no admite PKCE S256: actívalo", "it": "il provider non supporta PKCE S256: attivalo",
    },
    "the discovery document has no jwks_uri": {
        "fr": "le document de découverte n'a pas de jwks_uri", "de": "das Discovery-Dokument hat keine jwks_uri",
        "es": "el documento de descubrimiento no tiene jwks_uri", "it": "il documento di discovery non ha jwks_uri",
    },
    "the IdP offers no HTTP-Redirect SingleSignOnService: enable that binding": {
        "fr": "l'IdP n'offre pas de SingleSignOnService HTTP-Redirect : activez ce binding",
        "de": "der IdP bietet keinen SingleSignOnService mit HTTP-Redirect: aktivieren Sie dieses Binding",
        "es": "el IdP no ofrece SingleSignOnService HTTP-Redirect: activa ese binding",
        "it": "l'IdP non offre un SingleSignOnService HTTP-Redirect: attiva quel binding",
    },
    "the IdP metadata holds no signing certificate: its Responses can't be checked": {
        "fr": "les métadonnées de l'IdP n'ont aucun certificat de signature : ses réponses ne peuvent être vérifiées",
        "de": "die IdP-Metadaten enthalten kein Signaturzertifikat: seine Antworten sind nicht prüfbar",
        "es": "los metadatos del IdP no tienen certificado de firma: sus respuestas no se pueden comprobar",
        "it": "i metadati dell'IdP non hanno un certificato di firma: le sue risposte non sono verificabili",
    },
    "allow_sha1 is on: SHA-1 signatures are accepted from this IdP": {
        "fr": "allow_sha1 est activé : les signatures SHA-1 de cet IdP sont acceptées",
        "de": "allow_sha1 ist aktiv: SHA-1-Signaturen dieses IdP werden angenommen",
        "es": "allow_sha1 está activado: se aceptan firmas SHA-1 de este IdP",
        "it": "allow_sha1 è attivo: le firme SHA-1 di questo IdP sono accettate",
    },
}
"""What the commands print (``serve``, ``bot``, ``ent check``), by the English text; :func:`say` fills it in.
Messages of ``ent check`` with a value in them (an address, a date) stay in English."""
TEXTS.update(OUTPUT_TEXTS)
