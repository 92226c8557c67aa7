use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::helpers::{spawn_app, ADMIN_EMAIL};

#[tokio::test]
async fn signup_login_me_refresh_logout_round_trip() {
    let app = spawn_app().await;
    let signup = app
        .post(
            "/api/auth/signup",
            &json!({"email": "  Ada@Example.com ", "password": "correct horse", "name": "Ada"}),
            None,
        )
        .await;
    assert_eq!(signup.status, 201, "{}", signup.body);
    assert_eq!(
        signup.body["email"], "ada@example.com",
        "e-mail is normalised"
    );
    assert_eq!(signup.body["role"], "customer");
    assert!(signup.body.get("password_hash").is_none());

    let login = app.login("ADA@example.com", "correct horse").await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(login.body["token_type"], "Bearer");
    assert!(login.body["expires_in"].as_u64().unwrap() > 0);
    let access = login.body["access_token"].as_str().unwrap();
    let refresh = login.body["refresh_token"].as_str().unwrap();

    let me = app.get("/api/auth/me", Some(access)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], "ada@example.com");

    let rotated = app
        .post(
            "/api/auth/refresh",
            &json!({"refresh_token": refresh}),
            None,
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_refresh = rotated.body["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, refresh, "refresh tokens rotate");
    let new_access = rotated.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/auth/me", Some(new_access)).await.status, 200);

    let logout = app
        .post(
            "/api/auth/logout",
            &json!({"refresh_token": new_refresh}),
            None,
        )
        .await;
    assert_eq!(logout.status, 204);
    let after = app
        .post(
            "/api/auth/refresh",
            &json!({"refresh_token": new_refresh}),
            None,
        )
        .await;
    after.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_its_family() {
    let app = spawn_app().await;
    let tokens = app.customer().await;
    let first = app
        .post(
            "/api/auth/refresh",
            &json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await;
    assert_eq!(first.status, 200);
    let successor = first.body["refresh_token"].as_str().unwrap().to_string();

    let replay = app
        .post(
            "/api/auth/refresh",
            &json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await;
    replay.assert_problem(401, "unauthorized");
    let victim = app
        .post(
            "/api/auth/refresh",
            &json!({"refresh_token": successor}),
            None,
        )
        .await;
    victim.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn duplicate_signup_is_a_conflict_and_creates_nothing() {
    let app = spawn_app().await;
    assert_eq!(
        app.signup("dup@example.com", "a-good-password")
            .await
            .status,
        201
    );
    let again = app.signup("DUP@example.com", "another-password").await;
    again.assert_problem(409, "email_taken");
    // The original password still works: nothing was overwritten.
    assert_eq!(
        app.login("dup@example.com", "a-good-password").await.status,
        200
    );
    assert_eq!(
        app.login("dup@example.com", "another-password")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = spawn_app().await;
    app.customer().await;
    assert_eq!(
        app.signup("known@example.com", "a-good-password")
            .await
            .status,
        201
    );
    let wrong = app.login("known@example.com", "not-the-password").await;
    let unknown = app.login("nobody@example.com", "not-the-password").await;
    wrong.assert_problem(401, "unauthorized");
    unknown.assert_problem(401, "unauthorized");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
}

#[tokio::test]
async fn invalid_signups_are_422_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"email": "not-an-email", "password": "long enough pw", "name": "X"}),
            "email",
        ),
        (
            json!({"email": "short@example.com", "password": "short", "name": "X"}),
            "password",
        ),
        (
            json!({"email": "noname@example.com", "password": "long enough pw", "name": "   "}),
            "name",
        ),
        (json!({"password": "long enough pw", "name": "X"}), "email"),
        (
            json!({"email": "typed@example.com", "password": 12345678901_i64, "name": "X"}),
            "password",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/auth/signup", &body, None).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["field"], field, "{}", reply.body);
    }
    for email in [
        "short@example.com",
        "noname@example.com",
        "typed@example.com",
    ] {
        assert_eq!(
            app.login(email, "long enough pw").await.status,
            401,
            "{email} must not exist"
        );
    }
}

#[tokio::test]
async fn malformed_json_is_400_and_oversized_bodies_are_413() {
    let app = spawn_app().await;
    let malformed = app
        .post_raw("/api/auth/signup", "{\"email\": ", "application/json")
        .await;
    malformed.assert_problem(400, "bad_request");

    let huge = format!(
        "{{\"email\":\"big@example.com\",\"password\":\"long enough pw\",\"name\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let oversized = app
        .post_raw("/api/auth/signup", huge, "application/json")
        .await;
    oversized.assert_problem(413, "payload_too_large");
    assert_eq!(
        app.login("big@example.com", "long enough pw").await.status,
        401
    );
}

fn forge(header: serde_json::Value, claims: serde_json::Value, signature: &str) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{h}.{c}.{signature}")
}

#[tokio::test]
async fn forged_none_expired_and_wrong_audience_tokens_are_401() {
    let app = spawn_app().await;
    let tokens = app.customer().await;
    let genuine = app.get("/api/auth/me", Some(&tokens.access)).await;
    assert_eq!(genuine.status, 200);
    let kid = {
        let header = tokens.access.split('.').next().unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        header["kid"].as_str().unwrap().to_string()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = |aud: &str, exp: i64| {
        json!({"sub": genuine.body["id"], "email": genuine.body["email"], "role": "admin", "iss": "wayfare",
               "aud": aud, "iat": now, "exp": exp, "jti": "x"})
    };

    // Signed by a key that is not auth's, with auth's kid.
    let other_key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        other_key.to_pkcs8_der().unwrap()
    };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(kid.clone());
    let encoding = jsonwebtoken::EncodingKey::from_ed_der(pem.as_bytes());
    let forged =
        jsonwebtoken::encode(&header, &claims("wayfare-api", now + 600), &encoding).unwrap();
    let wrong_audience =
        jsonwebtoken::encode(&header, &claims("someone-else", now + 600), &encoding).unwrap();

    let none = forge(
        json!({"alg": "none", "typ": "JWT", "kid": kid}),
        claims("wayfare-api", now + 600),
        "",
    );
    let tampered = {
        let mut parts: Vec<String> = tokens.access.split('.').map(str::to_string).collect();
        parts[1] =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims("wayfare-api", now + 600)).unwrap());
        parts.join(".")
    };

    for (name, token) in [
        ("forged", forged),
        ("wrong audience", wrong_audience),
        ("alg none", none),
        ("tampered", tampered),
        ("garbage", "abc.def".into()),
    ] {
        let me = app.get("/api/auth/me", Some(&token)).await;
        assert_eq!(me.status, 401, "{name}: {}", me.body);
        assert_eq!(me.content_type(), "application/problem+json");
        let admin_route = app
            .send_json(
                reqwest::Method::PUT,
                "/api/catalog/products/x/stock",
                &json!({"stock": 1}),
                Some(&token),
            )
            .await;
        assert_eq!(admin_route.status, 401, "{name} on an admin route");
    }
}

#[tokio::test]
async fn expired_tokens_are_401() {
    let app = spawn_app_with_short_tokens().await;
    let tokens = app.customer().await;
    assert_eq!(
        app.get("/api/auth/me", Some(&tokens.access)).await.status,
        200
    );
    // TTL 1 s plus the verifiers' 5 s leeway.
    tokio::time::sleep(std::time::Duration::from_millis(7_500)).await;
    app.get("/api/auth/me", Some(&tokens.access))
        .await
        .assert_problem(401, "unauthorized");
}

async fn spawn_app_with_short_tokens() -> crate::helpers::TestApp {
    crate::helpers::spawn_app_with(
        crate::helpers::AppOptions::default().env("WAYFARE_ACCESS_TOKEN_TTL_SECONDS", "1"),
    )
    .await
}

#[tokio::test]
async fn admin_is_bootstrapped_and_jwks_is_published() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me = app.get("/api/auth/me", Some(&admin.access)).await;
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    assert_eq!(me.body["role"], "admin");
    let jwks = app.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks.status, 200);
    let key = &jwks.body["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert!(key.get("d").is_none(), "no private part");
}

/// The `Set-Cookie` values of a reply, as `name -> full line`.
fn set_cookies(reply: &crate::helpers::Reply) -> std::collections::HashMap<String, String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|line| {
            let name = line.split('=').next()?.to_string();
            Some((name, line.to_string()))
        })
        .collect()
}

fn cookie_value(line: &str) -> String {
    line.split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

#[tokio::test]
async fn the_web_session_keeps_its_refresh_token_in_an_httponly_cookie_guarded_against_csrf() {
    let app = spawn_app().await;
    app.customer().await; // warm up: some other account exists
    let email = format!("web-{}@example.com", uuid::Uuid::new_v4().simple());
    assert_eq!(app.signup(&email, "a-good-password").await.status, 201);
    let login = app
        .post(
            "/api/auth/login",
            &json!({"email": email, "password": "a-good-password", "session": "cookie"}),
            None,
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert!(login.body.get("refresh_token").is_none(), "{}", login.body);
    assert!(login.body["access_token"].is_string());
    let cookies = set_cookies(&login);
    let refresh_line = &cookies["wayfare_refresh"];
    for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/auth"] {
        assert!(refresh_line.contains(part), "{refresh_line} lacks {part}");
    }
    let csrf_line = &cookies["wayfare_csrf"];
    assert!(!csrf_line.contains("HttpOnly") && csrf_line.contains("SameSite=Strict"));
    let refresh = cookie_value(refresh_line);
    let csrf = cookie_value(csrf_line);
    let jar = format!("wayfare_refresh={refresh}; wayfare_csrf={csrf}");

    let post = |headers: Vec<(&'static str, String)>, path: &'static str| {
        let mut req = app.http.post(app.url(path)).json(&json!({}));
        for (name, value) in headers {
            req = req.header(name, value);
        }
        req
    };
    // A cross-site form post carries the cookies but cannot read the CSRF cookie to echo it.
    let forged = post(vec![("cookie", jar.clone())], "/api/auth/refresh")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let forged_body: serde_json::Value = forged.json().await.unwrap();
    assert_eq!(forged_body["code"], "csrf_failed");
    let wrong = post(
        vec![("cookie", jar.clone()), ("x-csrf-token", "guess".into())],
        "/api/auth/refresh",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(wrong.status(), 403);

    // The page echoes the cookie: a new access token, the refresh cookie rotated.
    let rotated = post(
        vec![("cookie", jar.clone()), ("x-csrf-token", csrf.clone())],
        "/api/auth/refresh",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(rotated.status(), 200);
    let rotated_cookies: Vec<String> = rotated
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let body: serde_json::Value = rotated.json().await.unwrap();
    assert!(body["access_token"].is_string() && body.get("refresh_token").is_none());
    let new_refresh = rotated_cookies
        .iter()
        .find(|l| l.starts_with("wayfare_refresh="))
        .map(|l| cookie_value(l))
        .expect("rotated refresh cookie");
    let new_csrf = rotated_cookies
        .iter()
        .find(|l| l.starts_with("wayfare_csrf="))
        .map(|l| cookie_value(l))
        .expect("rotated csrf cookie");
    assert_ne!(new_refresh, refresh);
    let me = app.get("/api/auth/me", body["access_token"].as_str()).await;
    assert_eq!(me.status, 200);

    // Logout needs the header too, ends the session and clears both cookies.
    let new_jar = format!("wayfare_refresh={new_refresh}; wayfare_csrf={new_csrf}");
    let forged_logout = post(vec![("cookie", new_jar.clone())], "/api/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(forged_logout.status(), 403);
    let logout = post(
        vec![
            ("cookie", new_jar.clone()),
            ("x-csrf-token", new_csrf.clone()),
        ],
        "/api/auth/logout",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(logout.status(), 204);
    let cleared: Vec<String> = logout
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cleared.len(), 2, "{cleared:?}");
    assert!(cleared.iter().all(|l| l.contains("Max-Age=0")));
    let after = post(
        vec![("cookie", new_jar), ("x-csrf-token", new_csrf)],
        "/api/auth/refresh",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(after.status(), 401);
}
