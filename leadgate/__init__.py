"""LeadGate: a GDPR-first shared team inbox for the WhatsApp Business Platform."""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, errors, health, i18n, security, urls, wording
from .account.routes import bp as account_bp
from .account.two_factor import bp as two_factor_bp
from .admin.routes import bp as admin_bp
from .auth import services as auth_services
from .auth.routes import bp as auth_bp
from .automation.routes import bp as automation_bp
from .campaigns.routes import bp as campaigns_bp
from .channels.routes import bp as channels_bp
from .config import INSTANCE_DIR, load_config, require_production_services
from .consent.routes import bp as consent_bp
from .contacts.fields import bp as contact_fields_bp
from .contacts.routes import bp as contacts_bp
from .cookies.language import bp as language_bp
from .cookies.routes import bp as cookies_bp
from .costs.admin import bp as cost_rates_bp
from .costs.routes import bp as costs_bp
from .extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from .hours.routes import bp as hours_bp
from .inbox.routes import bp as inbox_bp
from .inbox.routes.canned import bp as canned_bp
from .inbox.routes.labels import bp as labels_bp
from .leadforms.public import bp as leadform_public_bp
from .leadforms.routes import bp as leadforms_bp
from .privacy.routes import bp as privacy_bp
from .public.routes import bp as public_bp
from .reports.routes import bp as reports_bp
from .routing.routes import bp as routing_bp
from .sla.routes import bp as sla_bp
from .teams.routes import bp as teams_bp
from .webhooks.app import PREFIX as WEBHOOK_PREFIX
from .webhooks.app import create_webhook_app
from .webhooks.routes import bp as webhooks_bp
from .workspaces.routes import bp as workspaces_bp


def create_app(test_config: dict | None = None) -> Flask:
    """Build the LeadGate app: config, extensions, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.update(load_config())
    if test_config:
        app.config.update(test_config)
    require_production_services(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    auth_services.init_login_manager(login_manager)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    wording.init_app(app)
    urls.init_app(app)

    for blueprint in (
        public_bp,
        auth_bp,
        account_bp,
        two_factor_bp,
        workspaces_bp,
        cookies_bp,
        admin_bp,
        inbox_bp,
        canned_bp,
        labels_bp,
        teams_bp,
        routing_bp,
        hours_bp,
        sla_bp,
        costs_bp,
        cost_rates_bp,
        reports_bp,
        automation_bp,
        contacts_bp,
        campaigns_bp,
        consent_bp,
        contact_fields_bp,
        leadforms_bp,
        leadform_public_bp,
        privacy_bp,
        channels_bp,
        webhooks_bp,
        language_bp,
    ):
        app.register_blueprint(blueprint)
    errors.register(app)
    cli.register(app)
    webhooks = create_webhook_app(app)
    app.extensions["leadgate_webhook_app"] = webhooks
    app.wsgi_app = DispatcherMiddleware(
        app.wsgi_app, {WEBHOOK_PREFIX: webhooks.wsgi_app}
    )
    health.init_app(app)  # /healthz, /readyz, /metrics: before any Flask hook
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app
