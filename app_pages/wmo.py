from components import law_page

law_page.render("wmo")
